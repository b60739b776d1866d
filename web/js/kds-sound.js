// Kitchen screen sounds: a bright double chime for a new ticket, a low falling tone for a void or
// change. Browsers only play sound after a first tap on the page (unlockAudio).
let audio = null;

export function unlockAudio() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return false;
  audio = audio || new Context();
  audio.resume();
  return true;
}

function tones(steps) {
  if (!audio) return;
  const start = audio.currentTime;
  for (const [offset, frequency, length] of steps) {
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = frequency;
    gain.gain.setValueAtTime(0.25, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, start + offset + length);
    tone.connect(gain).connect(audio.destination);
    tone.start(start + offset);
    tone.stop(start + offset + length + 0.01);
  }
}

export function chime() { tones([[0, 988, 0.15], [0.18, 988, 0.15]]); }

export function voidTone() { tones([[0, 660, 0.25], [0.28, 440, 0.35]]); }

// Hold-to-talk recording on the tablet: the microphone at its own rate, down to 16 kHz mono,
// 16-bit PCM in a WAV, which is what POST /api/v1/voice/transcriptions reads. Browsers allow the
// microphone only in a secure context (an https page, or localhost).
const TARGET_RATE = 16000;
const MAX_SECONDS = 25;  // the box refuses more than 30 s: a stuck finger stops here

export function recorder() {
  let stream = null; let context = null; let node = null; let source = null;
  const chunks = [];
  let frames = 0;
  return {
    async start() {
      // Raw audio: the browser's echo cancelling, noise suppression and gain control distort speech
      // more than the recogniser needs (measured: the fake-microphone test's order was misheard).
      stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false,
        noiseSuppression: false, autoGainControl: false } });
      context = new AudioContext();
      source = context.createMediaStreamSource(stream);
      // ScriptProcessor is deprecated but needs no extra module file and works in every tablet browser.
      node = context.createScriptProcessor(4096, 1, 1);
      node.onaudioprocess = (event) => {
        if (frames > MAX_SECONDS * context.sampleRate) return;
        const block = event.inputBuffer.getChannelData(0);
        chunks.push(new Float32Array(block)); frames += block.length;
      };
      source.connect(node); node.connect(context.destination);
    },
    async stop() {
      const rate = context ? context.sampleRate : TARGET_RATE;
      if (node) node.disconnect();
      if (source) source.disconnect();
      if (stream) stream.getTracks().forEach((track) => track.stop());
      if (context) await context.close();
      return encodeWav(downsample(joined(chunks, frames), rate, TARGET_RATE), TARGET_RATE);
    },
  };
}

function joined(chunks, length) {
  const out = new Float32Array(length);
  let at = 0;
  for (const chunk of chunks) { out.set(chunk, at); at += chunk.length; }
  return out;
}

// Averaging over each output sample's span: a cheap low-pass, enough for speech at 16 kHz.
export function downsample(samples, from, to) {
  if (from === to) return samples;
  const ratio = from / to;
  const out = new Float32Array(Math.floor(samples.length / ratio));
  for (let i = 0; i < out.length; i += 1) {
    const begin = Math.floor(i * ratio); const end = Math.min(samples.length, Math.floor((i + 1) * ratio));
    let sum = 0;
    for (let j = begin; j < end; j += 1) sum += samples[j];
    out[i] = end > begin ? sum / (end - begin) : 0;
  }
  return out;
}

export function encodeWav(samples, rate) {
  const buffer = new ArrayBuffer(44 + samples.length * 2);
  const view = new DataView(buffer);
  const text = (at, s) => { for (let i = 0; i < s.length; i += 1) view.setUint8(at + i, s.charCodeAt(i)); };
  text(0, 'RIFF'); view.setUint32(4, 36 + samples.length * 2, true); text(8, 'WAVE');
  text(12, 'fmt '); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
  view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
  text(36, 'data'); view.setUint32(40, samples.length * 2, true);
  samples.forEach((value, i) => view.setInt16(44 + i * 2, Math.max(-1, Math.min(1, value)) * 0x7fff, true));
  return new Blob([buffer], { type: 'audio/wav' });
}

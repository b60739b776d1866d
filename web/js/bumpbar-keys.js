// Keyboard and bump-bar control on a tablet. USB and Bluetooth bump bars are keyboards, so this
// is all the setup one needs. The keys and their meaning are the box's USB bump bar's
// (devices/bumpbar.py DEFAULT_KEYMAP): 1-9 bump the ticket at that position on the screen,
// Enter / 0 / B bump the selected ticket (else the oldest), arrows move the selection, Space /
// PageDown / P turn the page, R / Backspace recall the last bumped ticket, S / Home show the
// all-day summary, D / numpad "." mark the selected ticket's next item done.
const KEYMAP = {
  Enter: 'bump', NumpadEnter: 'bump', KeyB: 'bump', Digit0: 'bump', Numpad0: 'bump',
  KeyR: 'recall', Backspace: 'recall', NumpadSubtract: 'recall',
  ArrowRight: 'next', ArrowDown: 'next', ArrowLeft: 'previous', ArrowUp: 'previous',
  PageDown: 'page', Space: 'page', KeyP: 'page', PageUp: 'page_back',
  KeyS: 'summary', Home: 'summary', NumpadMultiply: 'summary',
  KeyD: 'item_done', NumpadDecimal: 'item_done',
};

export function keyAction(event) {
  const digit = /^(Digit|Numpad)([1-9])$/.exec(event.code);
  if (digit) return { name: 'bump_position', position: Number(digit[2]) };
  const name = KEYMAP[event.code];
  return name ? { name } : null;
}

// Calls onAction({name, position}) for each mapped key going down (auto-repeat ignored: a held
// key must not bump ticket after ticket). Typing in a field and the PIN pad are left alone.
export function listenForBumpBar(onAction) {
  document.addEventListener('keydown', (event) => {
    if (event.repeat || event.ctrlKey || event.altKey || event.metaKey) return;
    const target = event.target;
    if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
    if (document.querySelector('[data-testid="login"]')) return;
    const action = keyAction(event);
    if (!action) return;
    event.preventDefault(); // Enter or Space must not also "click" whatever button has the focus
    onAction(action);
  });
}

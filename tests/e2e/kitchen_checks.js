// Run in the page by tests/e2e/test_kitchen_screens.py: what a reviewer would check by eye on a
// kitchen screen, from the boxes and computed styles Chromium laid out.
// Returns {clipped, overlapping, lowContrast, texts} (lists of short descriptions).
(rootSelector) => {
  const root = document.querySelector(rootSelector);
  const view = root.getBoundingClientRect();
  const scrolls = getComputedStyle(root).overflowY === 'auto';

  const textNodes = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT,
    { acceptNode: (node) => (node.textContent.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT) });
  while (walker.nextNode()) textNodes.push(walker.currentNode);

  const channel = (value) => { const c = value / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const parse = (color) => (color.match(/[\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const [r, g, b, a = 1] = parse(getComputedStyle(node).backgroundColor);
      if (a > 0.5) return [r, g, b];
    }
    return parse(getComputedStyle(document.body).backgroundColor);
  };
  const describe = (node) => `${node.parentElement.className || node.parentElement.tagName}: ${node.textContent.trim().slice(0, 40)}`;

  const clipped = []; const lowContrast = []; const boxes = [];
  for (const node of textNodes) {
    const el = node.parentElement;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden]')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
    const card = el.closest('article');
    const cardBox = card && card.getBoundingClientRect();
    for (const rect of rects) {
      const outsideView = rect.left < view.left - 1 || rect.right > view.right + 1
        || (!scrolls && (rect.top < view.top - 1 || rect.bottom > view.bottom + 1));
      const outsideCard = cardBox && (rect.left < cardBox.left - 1 || rect.right > cardBox.right + 1
        || rect.top < cardBox.top - 1 || rect.bottom > cardBox.bottom + 1);
      if (outsideView || outsideCard) clipped.push(describe(node));
      boxes.push({ rect, node });
    }
    const ratio = (Math.max(luminance(parse(style.color)), luminance(background(el))) + 0.05)
      / (Math.min(luminance(parse(style.color)), luminance(background(el))) + 0.05);
    const opacity = Number(style.opacity);
    if (ratio < 4.5 || opacity < 1) lowContrast.push(`${describe(node)} (${ratio.toFixed(2)}:1, ${style.color} on ${background(el)})`);
  }

  const overlapping = [];
  boxes.sort((a, b) => a.rect.top - b.rect.top);
  for (let i = 0; i < boxes.length; i += 1) {
    const a = boxes[i].rect;
    for (let j = i + 1; j < boxes.length && boxes[j].rect.top < a.bottom - 1; j += 1) {
      const b = boxes[j].rect;
      const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (overlapX > 1 && overlapY > 1) overlapping.push(`${describe(boxes[i].node)} / ${describe(boxes[j].node)}`);
    }
  }
  return { clipped, overlapping, lowContrast, texts: textNodes.length };
}

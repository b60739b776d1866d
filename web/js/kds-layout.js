// Content-sized cards flowing down fixed-height columns (the way Fresh KDS and Toast lay out a
// rush): a card takes the height it needs; a card too long for what is left of a column goes on
// in the next one, with "continued" at the cut and "continued" in the next part's header; no
// text is ever clipped. The pieces are measured once, offscreen, at the real column width, then
// packed with arithmetic (a layout per piece would be hundreds of layouts at 60 tickets).

// A block: one card to place. head: its header element; rows: its <li> items; tail: elements
// that close the card (order note, acknowledge button); contHead(): a header for a later part;
// decorate(article, first): classes and data for each part.
const SPLIT_ROOM = 0.35; // share of a column worth filling with the start of a card that goes on

// A screen too narrow for two columns (a phone) gets one column that scrolls instead of pages of
// one column each: `scroll` is true then. `pagesWanted`: lay out only until that many pages of
// columns are known (the first page of a 60-ticket rush needs ~20 cards measured, not 60);
// `complete` says whether every card was placed.
// blocks: the cards in order, or {length, at(i)} to build them only when they are needed.
export function layoutColumns(host, blocks, { minWidth = 250, gap = 8, marker, pagesWanted = Infinity }) {
  const made = [];
  const blockAt = (index) => (made[index] = made[index] || (blocks.at ? blocks.at(index) : blocks[index]));
  const prefix = (count) => Array.from({ length: count }, (_, index) => blockAt(index));
  const style = getComputedStyle(host);
  const width = host.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const perPage = Math.max(1, Math.floor((width + gap) / (minWidth + gap)));
  const scroll = perPage === 1;
  const height = scroll ? Infinity
    : host.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  const colWidth = Math.floor((width - gap * (perPage - 1)) / perPage);
  const columnsWanted = scroll ? Infinity : pagesWanted * perPage;
  let measured = 0;
  let plan;
  do { // packing is greedy: a column left behind never changes, so a prefix of the cards will do
    measured = Math.min(blocks.length, measured + MEASURE_CHUNK);
    plan = pack(measure(prefix(measured), colWidth, marker), { height, gap });
  } while (measured < blocks.length && plan.length <= columnsWanted);
  const complete = measured === blocks.length;
  const final = complete ? plan : plan.slice(0, -1); // the last column may still grow
  const columns = final.map((fragments) => fragments.map((fragment) => build(blockAt(fragment.block), fragment, marker)));
  return { columns, perPage, colWidth, scroll, complete };
}

const MEASURE_CHUNK = 12;

// Each block's heights at this column width; a block measured before at the same width (a card
// that did not change since the last render) keeps its sizes, so an event re-measures one card.
function measure(blocks, colWidth, marker) {
  const fresh = blocks.filter((block) => !(block.size && block.sizeWidth === colWidth));
  const box = document.createElement('div');
  box.className = 'kds-measure';
  box.style.width = `${colWidth}px`;
  const sample = blocks.length ? blocks[0] : null;
  const contHead = sample && sample.contHead();
  const sampleMarker = marker();
  const articles = fresh.map((block) => {
    const list = document.createElement('ol');
    list.className = 'items';
    list.append(...block.rows);
    const article = document.createElement('article');
    article.className = 'card';
    article.append(block.head, list, ...block.tail);
    return article;
  });
  const probe = document.createElement('article');
  probe.className = 'card';
  if (contHead) probe.append(contHead, sampleMarker);
  box.append(...articles, probe);
  document.body.append(box);
  const height = (el) => el.getBoundingClientRect().height;
  articles.forEach((article, index) => {
    const block = fresh[index];
    const head = height(block.head);
    const rows = block.rows.map(height);
    const tail = block.tail.reduce((sum, el) => sum + height(el), 0);
    const chrome = height(article) - head - tail - rows.reduce((a, b) => a + b, 0);
    block.size = { head, rows, tail, chrome };
    block.sizeWidth = colWidth;
  });
  const extra = { contHead: contHead ? height(contHead) : 0, marker: height(sampleMarker) };
  box.remove();
  return { cards: blocks.map((block) => block.size), ...extra };
}

// Pure: which rows of which card go in which column. Returns columns of fragments
// {block, from, to, first, last}; `last` false means the card goes on in the next column.
export function pack({ cards, contHead, marker }, { height, gap }) {
  const columns = [[]];
  let used = 0;
  const newColumn = () => { columns.push([]); used = 0; };
  cards.forEach((size, block) => {
    const rowsTotal = size.rows.reduce((a, b) => a + b, 0);
    const whole = size.chrome + size.head + rowsTotal + size.tail;
    // A card that does not fit what is left starts a new column if it fits one whole and little
    // is left; otherwise it fills the rest of this column and goes on in the next.
    if (used > 0 && used + gap + whole > height && whole <= height && height - used < height * SPLIT_ROOM) newColumn();
    let from = 0;
    let first = true;
    while (from < size.rows.length || first) {
      const top = used > 0 ? used + gap : 0;
      const head = first ? size.head : contHead;
      let fill = top + size.chrome + head;
      let to = from;
      while (to < size.rows.length) {
        const lastRow = to === size.rows.length - 1;
        const need = size.rows[to] + (lastRow ? size.tail : marker);
        if (fill + need > height && to > from) break;
        if (fill + need > height && used > 0) break; // not even one row here: start a new column
        fill += size.rows[to];
        to += 1;
      }
      if (to === from && used > 0 && size.rows.length) { newColumn(); continue; }
      const last = to >= size.rows.length;
      fill += last ? size.tail : marker;
      columns[columns.length - 1].push({ block, from, to, first, last });
      used = fill;
      from = to;
      first = false;
      if (!last) newColumn();
      else break;
    }
  });
  return columns.filter((column, index) => column.length || index === 0);
}

function build(block, fragment, marker) {
  const article = document.createElement('article');
  article.className = 'card';
  const list = document.createElement('ol');
  list.className = 'items';
  list.append(...block.rows.slice(fragment.from, fragment.to));
  article.append(fragment.first ? block.head : block.contHead(), list);
  if (fragment.last) article.append(...block.tail);
  else article.append(marker());
  block.decorate(article, fragment);
  return article;
}

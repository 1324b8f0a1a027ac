/**
 * What a reader would see wrong in a page's picture, measured in the browser that shows it (playwright):
 * text that runs out of its shape, labels drawn over each other, a caption cut off, matrix cells and heads
 * that do not hold their text. Each check returns one line per problem, so a failing test says where.
 *
 * The checks run in the page as plain JavaScript text: tsx compiles a function passed to page.evaluate
 * with helpers (__name) that exist only in Node.
 */
import type { Page } from 'playwright-core';

const PICTURE = `(selector) => {
  const svg = document.querySelector(selector);
  if (!svg) return ['no ' + selector];
  const problems = [];
  const rect = (el) => el.getBoundingClientRect();
  const inside = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 &&
    a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
  const overlap = (a, b) => a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 &&
    a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5;
  const name = (t) => JSON.stringify(t.textContent);
  const whole = rect(svg);
  for (const t of svg.querySelectorAll('text')) {
    if (!inside(rect(t), whole)) problems.push(name(t) + ' runs out of the picture');
  }
  const shapes = [];
  for (const g of svg.querySelectorAll('g.node, g.cluster')) {
    const shape = g.querySelector('polygon, ellipse, path');
    if (!shape) continue;
    const box = rect(shape);
    if (g.classList.contains('node')) shapes.push(box);
    for (const t of g.querySelectorAll('text')) {
      if (!inside(rect(t), box)) problems.push(name(t) + ' runs out of its shape (' + g.id + ')');
    }
  }
  const labels = Array.from(svg.querySelectorAll('g.edge text'));
  labels.forEach((t, i) => {
    const box = rect(t);
    if (shapes.some((s) => overlap(box, s))) problems.push('edge label ' + name(t) + ' lies on a node');
    for (const other of labels.slice(i + 1)) {
      if (overlap(box, rect(other))) problems.push('edge labels ' + name(t) + ' and ' + name(other) + ' overlap');
    }
  });
  return problems;
}`;

const MATRIX = `() => {
  const problems = [];
  let previous;
  for (const th of document.querySelectorAll('.grid th.col')) {
    const span = th.querySelector('span');
    const box = th.getBoundingClientRect();
    const text = span.getBoundingClientRect();
    const name = JSON.stringify(span.textContent);
    if (text.left < box.left - 0.5 || text.right > box.right + 0.5 || text.top < box.top - 0.5)
      problems.push('column head ' + name + ' runs out of its cell');
    if (previous && text.left < previous.right - 0.5) problems.push('column head ' + name + ' overlaps the one before');
    previous = text;
  }
  for (const th of document.querySelectorAll('.grid th.row')) {
    if (th.scrollWidth > th.clientWidth + 1) problems.push('row head ' + JSON.stringify(th.textContent) + ' is cut');
  }
  for (const td of document.querySelectorAll('.grid td')) {
    if (td.scrollWidth > td.clientWidth + 1) problems.push('cell ' + JSON.stringify(td.textContent) + ' is cut');
    if (parseFloat(getComputedStyle(td).fontSize) < 10) problems.push('cell text under 10 px');
  }
  return problems;
}`;

/**
 * In the SVG `selector` finds (shown): every label of a node or cluster lies inside its shape's bounding
 * box, no edge label overlaps a node's shape or another edge label, and every text lies inside the SVG's
 * own box (a caption is not cut off).
 */
export async function pictureProblems(page: Page, selector = 'svg'): Promise<string[]> {
  return page.evaluate(`(${PICTURE})(${JSON.stringify(selector)})`);
}

/** The matrix view (shown): each head holds its text, heads do not overlap, cells are at least 10 px type. */
export async function matrixProblems(page: Page): Promise<string[]> {
  return page.evaluate(`(${MATRIX})()`);
}

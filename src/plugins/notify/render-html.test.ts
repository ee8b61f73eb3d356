import { describe, expect, it } from 'vitest';
import { esc, link, stripMarkup } from '../../core/message/markup.ts';
import { inline, renderHtml } from './render-html.ts';

describe('mail HTML from the message model', () => {
  it("makes no link of someone's text that spells one with backslashes (an alert annotation, a commit subject)", () => {
    const planted = '\\[Acknowledge here\\](https://evil.example/login)';
    expect(inline(esc(planted))).not.toContain('<a ');
    expect(inline(esc(planted))).toContain('\\[Acknowledge here\\](https://evil.example/login)');
    expect(stripMarkup(esc(planted))).toBe(planted);
    // The model's own links still are links, their labels escaped.
    expect(inline(link('PR #12 [draft]', 'https://github.com/acme/infra/pull/12'))).toBe(
      '<a href="https://github.com/acme/infra/pull/12">PR #12 [draft]</a>',
    );
  });

  it('escapes HTML and makes links only of web addresses', () => {
    const html = renderHtml({
      text: 'x',
      blocks: [{ type: 'text', text: '<img src=x onerror=alert(1)> [click](javascript:alert(1))' }],
    });
    expect(html).not.toContain('<img');
    expect(html).not.toContain('href="javascript');
  });
});

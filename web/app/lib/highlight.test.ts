import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { expect, it } from 'vitest';
import { Highlighted } from './highlight.tsx';

it('shows the text the search escaped as the user wrote it, with the matches marked', () => {
  const html = 'Fix &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot; in the <mark>template</mark>';
  // React escapes the decoded text once: the page shows `Fix <b>bold</b> & "quotes"`, not entities.
  expect(renderToStaticMarkup(createElement(Highlighted, { text: html }))).toBe(
    '<span>Fix &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot; in the </span><mark>template</mark><span></span>',
  );
});

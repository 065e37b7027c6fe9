/** Markdown answers with highlighted code blocks and a copy button. Loaded lazily: it is the heaviest part. */
import { useState } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';

type HastNode = { type: string; value?: string; children?: HastNode[] };

/** The plain text of a code block, from the syntax tree (the rendered children are highlight spans). */
function textOf(node: HastNode | undefined): string {
  if (!node) return '';
  if (node.type === 'text') return node.value ?? '';
  return (node.children ?? []).map(textOf).join('');
}

export function CopyButton({ text, label = 'Copy code' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      aria-label={label}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        });
      }}
      className="rounded px-2 py-0.5 text-xs text-zinc-300 hover:bg-zinc-700"
    >
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

const components: Components = {
  pre({ children, node }) {
    const code = textOf(node).replace(/\n$/, '');
    return (
      <div className="overflow-hidden rounded-lg bg-zinc-900 text-zinc-100 dark:bg-black/60">
        <div className="flex justify-end border-b border-zinc-700/60 px-2 py-1">
          <CopyButton text={code} />
        </div>
        <pre className="overflow-x-auto p-3 text-[13px] leading-relaxed">{children}</pre>
      </div>
    );
  },
  a({ children, href }) {
    return (
      <a href={href} target="_blank" rel="noreferrer noopener">
        {children}
      </a>
    );
  },
};

export default function Markdown({ text }: { text: string }) {
  return (
    <div className="md break-words">
      <ReactMarkdown
        rehypePlugins={[[rehypeHighlight, { detect: false, ignoreMissing: true }]]}
        components={components}
      >
        {text}
      </ReactMarkdown>
    </div>
  );
}

/** Built-in prompt templates: defined in code, the same for every user, never stored, never editable. */
export interface BuiltinTemplate {
  id: `builtin:${string}`;
  name: string;
  description: string;
  content: string;
}

export const BUILTIN_TEMPLATES: readonly BuiltinTemplate[] = [
  {
    id: 'builtin:summarize',
    name: 'Summarize',
    description: 'A short summary of a text, as bullet points.',
    content:
      'Summarize the following text in {{length}} bullet points. Keep names and numbers exact.\n\n{{text}}',
  },
  {
    id: 'builtin:explain-code',
    name: 'Explain code',
    description: 'What a piece of code does, step by step.',
    content:
      'Explain what this {{language}} code does, step by step, and point out any bug or risk you see.\n\n```{{language}}\n{{code}}\n```',
  },
  {
    id: 'builtin:translate',
    name: 'Translate',
    description: 'Translate a text into another language.',
    content:
      'Translate the following text into {{target_language}}. Keep the meaning and the tone; answer with the translation only.\n\n{{text}}',
  },
  {
    id: 'builtin:draft-email',
    name: 'Draft an email',
    description: 'A clear email to someone, with a given purpose and tone.',
    content:
      'Write an email to {{recipient}} about {{topic}}. The tone is {{tone}}. Keep it short, with a clear subject line.',
  },
  {
    id: 'builtin:fix-grammar',
    name: 'Fix grammar',
    description: 'Correct spelling and grammar without changing the meaning.',
    content:
      'Correct the spelling and grammar of this text without changing its meaning or style. Answer with the corrected text only.\n\n{{text}}',
  },
];

export const findBuiltin = (id: string) => BUILTIN_TEMPLATES.find((t) => t.id === id);
export const isBuiltinId = (id: string) => id.startsWith('builtin:');

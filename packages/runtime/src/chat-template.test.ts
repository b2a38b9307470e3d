import { ByteTokenizer, type TextTokenizer } from '@megakernel/model';
import { describe, expect, it } from 'vitest';
import { ChatTemplate } from './chat-template.js';
import { ChatTemplateError } from './errors.js';

// A Llama-3-style template: BOS, headers per turn, then the assistant header when asked.
const TEMPLATE =
  "{{ bos_token }}{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}{{ eos_token }}{% endfor %}" +
  '{% if add_generation_prompt %}<|assistant|>{% endif %}';

const withTemplate = (template: string | null): TextTokenizer =>
  Object.assign(Object.create(new ByteTokenizer()), {
    chatTemplate: template,
    specialTokens: { bos: { content: '<s>', id: 1 }, eos: { content: '</s>', id: 2 } },
  });

describe('chat templates', () => {
  it("renders messages through the tokenizer's Jinja template with its special tokens", () => {
    const t = ChatTemplate.of(withTemplate(TEMPLATE), 'model');
    const messages = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ];
    expect(t.render(messages)).toBe('<s><|system|>Be brief.</s><|user|>Hi</s><|assistant|>');
    expect(t.render(messages, { addGenerationPrompt: false })).toBe(
      '<s><|system|>Be brief.</s><|user|>Hi</s>',
    );
  });

  it('names the model when it has no chat template', () => {
    expect(() => ChatTemplate.of(new ByteTokenizer(), '/models/x')).toThrow(ChatTemplateError);
    expect(() => ChatTemplate.of(new ByteTokenizer(), '/models/x')).toThrow(
      /\/models\/x has no chat template/,
    );
  });

  it('reports a template that does not parse', () => {
    expect(() => ChatTemplate.of(withTemplate('{% for %}'), 'm')).toThrow(/does not parse/);
  });
});

/** Chat messages to prompt text through the tokenizer's own Jinja chat template (@huggingface/jinja). */
import { Template } from '@huggingface/jinja';
import type { TextTokenizer } from '@megakernel/model';
import { ChatTemplateError } from './errors.js';

export interface ChatMessage {
  readonly role: string;
  readonly content: string;
}

export interface ChatTemplateOptions {
  /** End with the assistant's turn header so the model answers (default true, as transformers' generate use). */
  readonly addGenerationPrompt?: boolean;
}

export class ChatTemplate {
  private readonly template: Template;

  private constructor(
    source: string,
    private readonly tokenizer: TextTokenizer,
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(`the chat template does not parse: ${(e as Error).message}`);
    }
  }

  /** The tokenizer's template; throws ChatTemplateError when tokenizer_config.json has none. */
  static of(tokenizer: TextTokenizer, modelDir: string): ChatTemplate {
    if (tokenizer.chatTemplate === null) {
      throw new ChatTemplateError(`${modelDir} has no chat template (tokenizer_config.json chat_template)`);
    }
    return new ChatTemplate(tokenizer.chatTemplate, tokenizer);
  }

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    const special = this.tokenizer.specialTokens;
    try {
      return this.template.render({
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: options.addGenerationPrompt ?? true,
        bos_token: special.bos?.content ?? '',
        eos_token: special.eos?.content ?? '',
        unk_token: special.unk?.content ?? '',
        pad_token: special.pad?.content ?? '',
      });
    } catch (e) {
      throw new ChatTemplateError(`the chat template failed to render: ${(e as Error).message}`);
    }
  }
}

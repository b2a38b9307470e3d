/**
 * The engine: a model (checkpoint + tokenizer), one backend chosen once, and one decode session
 * whose KV cache holds the current generation. Each generate() call resets the session and feeds
 * the prompt token by token through the same step as decode (prefill is decode, as in the program).
 */
import type { RuntimeModelConfig } from '@megakernel/isa';
import type { TextTokenizer } from '@megakernel/model';
import type { BackendChoice, BackendName, DecodeSession, ProgressListener } from './backend.js';
import { openBackend } from './backends/open.js';
import { type ChatMessage, ChatTemplate, type ChatTemplateOptions } from './chat-template.js';
import { ContextLengthError, OptionError, PromptError } from './errors.js';
import { type GenerateOptions, resolveGenerateOptions } from './generate-options.js';
import { type Generation, startGeneration } from './generation.js';
import { DEFAULT_MODEL, loadModel } from './model-source.js';

export interface EngineOptions {
  /** A Hugging Face checkpoint folder, or 'default' (the embedded Moby-Dick byte model; the default). */
  readonly model?: string;
  /** 'auto' (default): the GPU when cuda-hopper's probe passes, else the CPU VM. */
  readonly backend?: BackendChoice;
  /** Context (KV-cache) length in tokens; default the model's positions, at most 4096. */
  readonly maxSeqLen?: number;
  /** Instruction queues of the compiled program (default: the GPU's SM count; DEFAULT_QUEUES on the CPU). */
  readonly queues?: number;
  /** Weight loading and compile progress. */
  readonly onProgress?: ProgressListener;
  /** Scan the weights for NaN/±Inf at load and refuse them (NonFiniteWeightError); default true. */
  readonly checkWeights?: boolean;
}

export type GenerateInput =
  | string
  | { readonly ids: readonly number[] }
  | { readonly messages: readonly ChatMessage[]; readonly chatTemplate?: ChatTemplateOptions };

/** Longest default context: long enough for chat, small enough for a CPU KV cache of a 1B model. */
export const DEFAULT_MAX_SEQ_LEN = 4096;

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const model = loadModel(
    options.model ?? DEFAULT_MODEL,
    options.checkWeights === undefined ? {} : { checkWeights: options.checkWeights },
  );
  try {
    const config = model.checkpoint.config;
    const maxSeqLen = options.maxSeqLen ?? Math.min(config.maxPositionEmbeddings, DEFAULT_MAX_SEQ_LEN);
    if (!Number.isInteger(maxSeqLen) || maxSeqLen < 1) {
      throw new OptionError(`maxSeqLen must be a positive integer, got ${maxSeqLen}`);
    }
    if (maxSeqLen > config.maxPositionEmbeddings) {
      throw new OptionError(
        `maxSeqLen ${maxSeqLen} exceeds the model's ${config.maxPositionEmbeddings} positions`,
      );
    }
    const backend = await openBackend(options.backend ?? 'auto', model.checkpoint, {
      maxSeqLen,
      ...(options.queues === undefined ? {} : { queues: options.queues }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    const engine = new Engine(
      model.dir,
      model.tokenizer,
      config,
      backend.name,
      backend.reason,
      backend.session,
      () => model.checkpoint.close(),
    );
    engine.warnings = model.checkpoint.warnings;
    return engine;
  } catch (e) {
    model.checkpoint.close();
    throw e;
  }
}

export class Engine {
  /** What the checkpoint loaded with but deserves a word (e.g. eos ids outside the vocabulary). */
  warnings: readonly string[] = [];
  private generations = 0;
  private chat: ChatTemplate | undefined;

  /** Use createEngine(). */
  constructor(
    readonly modelDir: string,
    readonly tokenizer: TextTokenizer,
    readonly config: RuntimeModelConfig,
    readonly backend: BackendName,
    /** Why this backend (for 'auto': why the GPU was or was not taken). */
    readonly backendReason: string,
    private readonly session: DecodeSession,
    private readonly release: () => void,
  ) {}

  /** Context length in tokens: prompt + new tokens must fit. */
  get maxSeqLen(): number {
    return this.session.maxSeqLen;
  }

  /** Tokens in the KV cache (prompt and generated tokens fed so far). */
  get position(): number {
    return this.session.position;
  }

  /**
   * The ids that end a generation (config.json / generation_config.json eos ids) that the model can
   * produce: GPT-2-style configs name 50256 even for a 256-token vocabulary.
   */
  get eosTokenIds(): readonly number[] {
    return this.config.eosTokenIds.filter((t) => t < this.config.vocabSize);
  }

  encode(text: string): number[] {
    return this.tokenizer.encode(text);
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids, { skipSpecialTokens: true });
  }

  /** Messages → prompt text through the tokenizer's chat template (ChatTemplateError if it has none). */
  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    this.chat ??= ChatTemplate.of(this.tokenizer, this.modelDir);
    return this.chat.render(messages, options);
  }

  /**
   * Streams new tokens. Checks everything before returning (PromptError, OptionError,
   * ContextLengthError); resets the KV cache, so an unfinished earlier generation stops with an error.
   */
  generate(input: GenerateInput, options: GenerateOptions = {}): Generation {
    const prompt = this.promptIds(input);
    const resolved = resolveGenerateOptions(options, this.config.vocabSize);
    if (prompt.length + resolved.maxTokens > this.maxSeqLen) {
      throw new ContextLengthError(prompt.length, resolved.maxTokens, this.maxSeqLen);
    }
    const id = ++this.generations;
    this.session.reset(prompt.length);
    return startGeneration({
      session: this.session,
      tokenizer: this.tokenizer,
      eosTokenIds: new Set(this.eosTokenIds),
      prompt,
      options: resolved,
      isCurrent: () => id === this.generations,
    });
  }

  /** Drops the KV cache contents (the next token goes to position 0). */
  reset(): void {
    this.generations++;
    this.session.reset();
  }

  close(): void {
    this.generations++;
    this.session.close();
    this.release();
  }

  private promptIds(input: GenerateInput): number[] {
    let ids: number[];
    if (typeof input === 'string') ids = this.tokenizer.encode(input);
    else if ('ids' in input) ids = [...input.ids];
    // The template writes BOS itself when the model wants one, so no special tokens are added here.
    else
      ids = this.tokenizer.encode(this.applyChatTemplate(input.messages, input.chatTemplate), {
        addSpecialTokens: false,
      });
    if (ids.length === 0) {
      const bos = this.config.bosTokenId;
      if (bos === null)
        throw new PromptError('the prompt is empty and the model has no BOS token to start from');
      ids = [bos];
    }
    const vocab = this.config.vocabSize;
    const bad = ids.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
    if (bad !== undefined) throw new PromptError(`token id ${bad} is outside the vocabulary [0, ${vocab})`);
    return ids;
  }
}

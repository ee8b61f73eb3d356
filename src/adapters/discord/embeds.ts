/**
 * Lays description pieces and fields out in embeds, and embeds out in messages, within Discord's
 * per-embed and per-message limits. Order is kept: a description piece after fields starts a new
 * embed, since an embed shows its description above its fields.
 */
import type { APIEmbed, APIEmbedField } from 'discord.js';
import { clip } from '../shared/chunk.ts';
import { DISCORD, embedLength } from './problems.ts';

export class EmbedPacker {
  readonly pages: APIEmbed[][] = [];
  /** The embed that may take more; none after a divider or a footer. */
  private open?: APIEmbed;
  private readonly title?: string;
  private readonly color?: number;

  constructor(title: string | undefined, color: number | undefined) {
    this.title = title;
    this.color = color;
  }

  /** A piece of description, at most `DISCORD.description` long. */
  text(piece: string): void {
    const e = this.open;
    const joined = e?.description ? `${e.description}\n${piece}` : piece;
    if (
      e &&
      !e.fields?.length &&
      joined.length <= DISCORD.description &&
      this.fits(joined.length - (e.description?.length ?? 0))
    ) {
      e.description = joined;
      return;
    }
    this.embed(piece.length).description = piece;
  }

  field(f: APIEmbedField): void {
    const n = f.name.length + f.value.length;
    const e = this.open;
    if (e && (e.fields?.length ?? 0) < DISCORD.fields && this.fits(n)) {
      (e.fields ??= []).push(f);
      return;
    }
    this.embed(n).fields = [f];
  }

  /** Put `text` in the footer of the last embed; false when it does not fit there. */
  footer(text: string): boolean {
    const e = this.open;
    if (!e || text.length > DISCORD.footer || !this.fits(text.length)) return false;
    e.footer = { text };
    this.open = undefined;
    return true;
  }

  /** The next piece starts a new embed (a divider). */
  close(): void {
    this.open = undefined;
  }

  /** Make sure there is at least one embed, for a message that is only a header. */
  ensure(): void {
    if (this.pages.length === 0) this.embed(0);
  }

  private used(): number {
    return (this.pages.at(-1) ?? []).reduce((n, e) => n + embedLength(e), 0);
  }

  private fits(n: number): boolean {
    return this.used() + n <= DISCORD.embedsTotal;
  }

  /** A new embed for `n` characters: on this page if it has room, else on a new one with the title again. */
  private embed(n: number): APIEmbed {
    let page = this.pages.at(-1);
    if (!page || page.length === DISCORD.embeds || !this.fits(n)) {
      page = [];
      this.pages.push(page);
    }
    const e: APIEmbed = this.color === undefined ? {} : { color: this.color };
    if (page.length === 0 && this.title) {
      e.title =
        this.pages.length === 1
          ? clip(this.title, DISCORD.title)
          : clip(`${this.title} (continued)`, DISCORD.title);
    }
    page.push(e);
    this.open = e;
    return e;
  }
}

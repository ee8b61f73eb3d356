/**
 * The sandbox registry's content: images described by tag, build time, labels and platforms, made
 * into the bytes a registry stores — an OCI image config, one tiny layer, an OCI image manifest
 * per platform, and an OCI image index when there are several (image-spec config.md, manifest.md,
 * image-index.md). Bytes are deterministic, so a digest is the same on every start.
 */
import { createHash } from 'node:crypto';

export interface ImageDescription {
  tag: string;
  /** RFC 3339; the config's `created`, which newest-build sorts by. */
  created?: string;
  labels?: Record<string, string>;
  /** `os/arch`; one makes a plain manifest, several an index. */
  platforms?: string[];
}

export interface Stored {
  mediaType: string;
  body: Buffer;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export const digestOf = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** One repository's content: manifests by digest, tags to digests, blobs by digest. */
export class Repository {
  readonly manifests = new Map<string, Stored>();
  readonly tags = new Map<string, string>();
  readonly blobs = new Map<string, Buffer>();

  private blob(b: Buffer, mediaType: string) {
    const digest = digestOf(b);
    this.blobs.set(digest, b);
    return { mediaType, digest, size: b.length };
  }

  private manifest(body: Buffer, mediaType: string) {
    const digest = digestOf(body);
    this.manifests.set(digest, { mediaType, body });
    return { mediaType, digest, size: body.length };
  }

  /** Store an image under its tag (a tag pushed again moves, as in a registry). */
  add(name: string, img: ImageDescription): string {
    const platforms = img.platforms?.length ? img.platforms : ['linux/amd64'];
    const made = platforms.map((p) => {
      const [os, architecture] = p.split('/');
      const config = this.blob(
        Buffer.from(
          JSON.stringify({
            architecture,
            os,
            ...(img.created ? { created: img.created } : {}),
            config: { Labels: img.labels ?? null },
            rootfs: { type: 'layers', diff_ids: [] },
          }),
        ),
        'application/vnd.oci.image.config.v1+json',
      );
      const layer = this.blob(
        Buffer.from(`layer of ${name}:${img.tag} for ${p}`),
        'application/vnd.oci.image.layer.v1.tar+gzip',
      );
      const body = Buffer.from(
        JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] }),
      );
      return { ...this.manifest(body, OCI_MANIFEST), platform: { os, architecture } };
    });
    const top =
      made.length === 1
        ? (made[0] as { digest: string })
        : this.manifest(
            Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: made })),
            OCI_INDEX,
          );
    this.tags.set(img.tag, top.digest);
    return top.digest;
  }
}

// Reads a campaign file once: validated (clear path-named errors) and raw (what the workflow receives).
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { CampaignConfig } from '../../sla/config';
import { parseCampaignConfigText } from '../../runtime/campaignFile';
import { badInput } from './errors';

export interface CampaignFile {
  file: string;
  config: CampaignConfig;
  /** The parsed YAML as written (durations as strings); the workflow validates it again itself. */
  raw: unknown;
}

export async function readInputFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badInput(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${(err as Error).message})`);
  }
}

export async function readCampaignFile(file: string): Promise<CampaignFile> {
  const text = await readInputFile(file);
  const config = parseCampaignConfigText(text, file);
  return { file, config, raw: parseYaml(text) };
}

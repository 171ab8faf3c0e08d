// PyTorch export: IR → a small project (model.py, train.py, README.md) that trains the graph with
// PyTorch on one GPU, several, or several machines (DistributedDataParallel under torchrun). Reads
// the same IR as the TypeScript export; kernels are traced with the same recording Ops. Pure.

import type { ModelIR } from '../ir.ts';
import type { Registry } from '../registry.ts';
import { refuseUnsupported } from './generate.ts';
import { PhaseRefusal } from './print.ts';
import { generatePyModel, type NodeWeights } from './pytorch-model.ts';
import { generatePyTrain } from './pytorch-train.ts';

export interface PyTorchProject {
  /** File name → text. */
  readonly files: Readonly<Record<string, string>>;
  /** How the app's weights map onto model.py's state_dict (for --weights). */
  readonly weights: readonly NodeWeights[];
  readonly className: string;
  /** Why train.py was not written (a procedure train.py cannot print); model.py is still complete. */
  readonly trainRefused?: string;
}

export function generatePyTorch(ir: ModelIR, registry: Registry): PyTorchProject {
  refuseUnsupported(ir, registry);
  const model = generatePyModel(ir, registry);
  const files: Record<string, string> = { 'model.py': model.source };
  let trainRefused: string | undefined;
  if (ir.training)
    try {
      files['train.py'] = generatePyTrain(ir, registry, model);
    } catch (e) {
      // A procedure train.py cannot print (phases beyond stages) still leaves a usable model.py.
      if (!(e instanceof PhaseRefusal)) throw e;
      trainRefused = e.message;
    }
  files['README.md'] = readme(ir, model.className, !!ir.training, trainRefused);
  return {
    files,
    weights: model.weights,
    className: model.className,
    ...(trainRefused ? { trainRefused } : {}),
  };
}

/** Markdown text from graph text: no HTML, no line breaks, no Markdown syntax characters. */
const md = (s: string) => s.replace(/[\p{C}\p{Zl}\p{Zp}]/gu, ' ').replace(/[\\`*_[\]<>#|!{}()]/g, '\\$&');

function readme(ir: ModelIR, cls: string, trains: boolean, trainRefused?: string): string {
  const title = md(ir.title || 'Model');
  const t = ir.training;
  const lines = [
    `# ${title} — PyTorch export`,
    '',
    `Exported by Netwright from the graph's model IR. \`model.py\` holds \`${cls}\`, an \`nn.Module\``,
    'with one attribute per graph node (named after the node id); `python3 model.py` prints a',
    "Keras-style summary whose `Total params` equals `netwright check`. Tensors keep the app's",
    'channels-last layout, so every node computes exactly what it computes in the app.',
    '',
    'Needs Python 3 with `torch` and `numpy` (Debian: `apt install python3-torch`).',
    '',
  ];
  if (!trains) {
    lines.push('The graph has no training settings, so there is no `train.py`.', '');
    return `${lines.join('\n')}\n`;
  }
  if (trainRefused) {
    lines.push(
      "There is no `train.py`: the graph's training procedure is more than this exporter prints",
      `(${md(trainRefused)}). Train it in Netwright, with \`netwright train\`, or with the TypeScript export.`,
      '',
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    '## Train',
    '',
    `\`train.py\` runs the graph's procedure: ${md(t!.optimizer.type)}, global batch ${t!.batchSize}, seed ${t!.seed},`,
    `stages ${t!.phases.map((s) => `${md(s.name)} (${s.epochs} epochs)`).join(', ')}; the same loss and metric nodes.`,
    `It reads \`data.npz\` (Netwright's \`${md(t!.dataset.name)}\` dataset; export with \`--with-data\`) and prints one`,
    'JSON line per epoch and a final `{"final": {...}}` line, like `netwright train --json`.',
    '',
    '### On this machine (CPU, or 1 GPU)',
    '',
    '```sh',
    'python3 train.py                    # one process: GPU 0 if there is one, else the CPU',
    'python3 train.py --epochs 5 --save model.pt',
    'python3 train.py --weights weights.npz   # start from weights exported with --weights',
    '```',
    '',
    '### N GPUs (or N CPU processes) on one machine',
    '',
    'DistributedDataParallel: one process per GPU, gradients averaged over all of them. The global',
    "batch stays the graph's; each process takes every N-th sample of it.",
    '',
    '```sh',
    'torchrun --standalone --nproc_per_node=N train.py',
    'python3 train.py --nproc N          # the same without torchrun (torch.multiprocessing.spawn)',
    '```',
    '',
    'On GPUs the processes talk over NCCL, on CPUs over Gloo.',
    '',
    '### Several machines',
    '',
    "Run the same command on every node, with the node count, this node's rank and one address all",
    'nodes reach (train.py reads RANK, WORLD_SIZE and LOCAL_RANK from torchrun):',
    '',
    '```sh',
    '# on each of M nodes with G GPUs each; node_rank is 0 … M-1',
    'torchrun --nnodes=M --nproc_per_node=G --node_rank=K \\',
    '  --master_addr=ADDRESS_OF_NODE_0 --master_port=29500 train.py',
    '```',
    '',
    'or, with a rendezvous (any node may start first): `torchrun --nnodes=M --nproc_per_node=G',
    '--rdzv_backend=c10d --rdzv_endpoint=ADDRESS:29500 train.py`. Every node needs the project',
    'folder (model.py, train.py, data.npz) at the same path. Under SLURM, start one torchrun per',
    'node with `srun`.',
    '',
  );
  return `${lines.join('\n')}\n`;
}

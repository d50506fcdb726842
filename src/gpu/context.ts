import { ConfigError, DeviceError } from "../errors.js";
import { formatBytes } from "../model/byte-size.js";

/** A WGSL compute kernel: entry point `main`. Binding 0 is the uniform struct (its u32 fields first,
 *  then its f32 fields, in the order of Uniforms), bindings 1.. are the storage buffers in the order
 *  given to Plan.dispatch. The label names the kernel in WebGPU's error messages. */
export interface KernelSource {
  label: string;
  code: string;
}

/** A dispatch's uniform values: packed as u32 fields followed by f32 fields, 64 at most. */
export interface Uniforms {
  u32?: readonly number[];
  f32?: readonly number[];
}

/** Where a matrix or vector starts: a buffer and an offset in float (or int) elements. */
export interface BufferRef {
  buffer: GPUBuffer;
  offset: number;
}

/** One uniform slot per dispatch (minUniformBufferOffsetAlignment is at most 256). */
const SLOT_BYTES = 256;
/** maxComputeWorkgroupsPerDimension's guaranteed minimum. */
export const MAX_GROUPS = 65535;

/** A GPUDevice with the pipelines and buffers rnnlab's kernels use. Buffers hold 4-byte elements
 *  (f32, i32 or u32); every one can be a storage binding, written from and read back to the CPU. */
export class GpuContext {
  readonly device: GPUDevice;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** The GPU object the device came from: Dawn in Node tears the device down when it is garbage
   *  collected, so the context holds it until destroy(). */
  gpu: GPU | null;

  /** The first error the device reported on its own (a dispatch WebGPU refused, a lost device):
   *  the next read-back throws it, so a failed step is never taken for numbers. */
  private failure: string | null = null;

  constructor(device: GPUDevice, gpu: GPU | null = null) {
    this.device = device;
    this.gpu = gpu;
    device.onuncapturederror = (event) => {
      this.failure ??= `WebGPU refused the work: ${event.error.message.split("\n")[0]}`;
    };
    device.lost.then((info) => {
      if (info.reason !== "destroyed") this.failure ??= `the GPU device was lost: ${info.message}`;
    });
  }

  /** Frees the device (and lets Node exit: Dawn keeps it alive while the GPU object lives). */
  destroy(): void {
    this.device.destroy();
    this.pipelines.clear();
    this.gpu = null;
  }

  /** A zeroed buffer of `elements` 4-byte elements (at least one); a DeviceError naming it when
   *  it is larger than the adapter allows a buffer or a storage binding. */
  buffer(elements: number, label: string): GPUBuffer {
    const bytes = Math.max(1, elements) * 4;
    const { maxBufferSize, maxStorageBufferBindingSize } = this.device.limits;
    const limit = Math.min(maxBufferSize, maxStorageBufferBindingSize);
    if (bytes > limit) {
      throw new DeviceError(
        `the ${label} need a GPU buffer of ${formatBytes(bytes)}, over this adapter's limit of ${formatBytes(limit)}: use a smaller batch, sequence length or model`,
      );
    }
    return this.device.createBuffer({
      label,
      size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  /** A buffer holding `data`. */
  upload(data: Float32Array | Int32Array | Uint32Array, label: string): GPUBuffer {
    const buffer = this.buffer(data.length, label);
    this.write(buffer, data);
    return buffer;
  }

  /** Queues a copy of `data` into `buffer` at element `offset`; it lands before the next submit. */
  write(buffer: GPUBuffer, data: Float32Array | Int32Array | Uint32Array, offset = 0): void {
    this.device.queue.writeBuffer(buffer, offset * 4, data.buffer, data.byteOffset, data.byteLength);
  }

  /** `count` f32 elements of `buffer` from element `offset`, after all submitted work. */
  async read(buffer: GPUBuffer, count: number, offset = 0): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(buffer, count * 4, offset * 4));
  }

  async readInts(buffer: GPUBuffer, count: number, offset = 0): Promise<Int32Array> {
    return new Int32Array(await this.readBytes(buffer, count * 4, offset * 4));
  }

  private async readBytes(buffer: GPUBuffer, bytes: number, byteOffset: number): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({
      size: Math.max(4, bytes),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    const encoder = this.device.createCommandEncoder();
    if (bytes > 0) encoder.copyBufferToBuffer(buffer, byteOffset, staging, 0, bytes);
    this.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ);
    } catch (error) {
      throw new DeviceError(this.failure ?? `reading back from the GPU failed: ${(error as Error).message}`);
    }
    if (this.failure) {
      staging.unmap();
      throw new DeviceError(this.failure);
    }
    const copy = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    staging.destroy();
    return copy;
  }

  pipeline(kernel: KernelSource): GPUComputePipeline {
    let pipeline = this.pipelines.get(kernel.code);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: kernel.label, code: kernel.code });
      pipeline = this.device.createComputePipeline({
        label: kernel.label,
        layout: "auto",
        compute: { module, entryPoint: "main" },
      });
      this.pipelines.set(kernel.code, pipeline);
    }
    return pipeline;
  }

  /** An empty plan: dispatches recorded once and submitted as often as needed. */
  plan(label = "plan"): Plan {
    return new Plan(this, label);
  }

  /** Submits the plans in order, in one command buffer. */
  run(...plans: Plan[]): void {
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const plan of plans) plan.encode(pass);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Resolves when the GPU has finished all submitted work. */
  finish(): Promise<void> {
    return this.device.queue.onSubmittedWorkDone();
  }

  /** Runs `record` inside an error scope and throws the first validation error it raised. Record
   *  only: a submit inside the scope of a failed pipeline crashes Dawn on SwiftShader. */
  async checked<T>(record: () => T): Promise<T> {
    this.device.pushErrorScope("validation");
    const result = record();
    const error = await this.device.popErrorScope();
    if (error) throw new Error(`WebGPU: ${error.message}`);
    return result;
  }
}

interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  groups: [number, number, number];
}

/** A fixed list of dispatches (a training step's, for one shape): the bind groups and uniforms are
 *  made once, so submitting a plan costs the encoder calls only. Dispatches run in order, each
 *  seeing the writes of the ones before (WebGPU orders dispatches within a pass). */
export class Plan {
  readonly label: string;
  private readonly context: GpuContext;
  private readonly dispatches: Dispatch[] = [];
  private readonly slots: { buffer: GPUBuffer; slot: number }[] = [];
  private uniformBuffer: GPUBuffer | null = null;
  private uniformCapacity = 0;
  private used = 0;

  constructor(context: GpuContext, label: string) {
    this.context = context;
    this.label = label;
  }

  get length(): number {
    return this.dispatches.length;
  }

  /** Appends a dispatch of `groups` workgroups (x, y, z) running `kernel` on `buffers`. */
  dispatch(
    kernel: KernelSource,
    buffers: readonly GPUBuffer[],
    uniforms: Uniforms,
    groups: readonly number[],
  ): void {
    const [x, y = 1, z = 1] = groups;
    if (x > MAX_GROUPS || y > MAX_GROUPS || z > MAX_GROUPS) {
      throw new ConfigError(
        `${kernel.label}: ${groups.join("×")} workgroups, over ${MAX_GROUPS} in a dimension`,
      );
    }
    const { device } = this.context;
    const pipeline = this.context.pipeline(kernel);
    const { buffer, offset } = this.uniformSlot(packUniforms(uniforms, kernel.label));
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer, offset, size: SLOT_BYTES } }];
    buffers.forEach((b, i) => {
      entries.push({ binding: i + 1, resource: { buffer: b } });
    });
    const bindGroup = device.createBindGroup({
      label: kernel.label,
      layout: pipeline.getBindGroupLayout(0),
      entries,
    });
    this.dispatches.push({ pipeline, bindGroup, groups: [x, y, z] });
  }

  encode(pass: GPUComputePassEncoder): void {
    for (const d of this.dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2]);
    }
  }

  /** Rewrites the uniforms of the dispatch `index` (a learning rate that changes every step):
   *  every field, u32 ones included, as dispatch packed them. */
  setUniforms(index: number, uniforms: Uniforms): void {
    const { buffer, slot } = this.slots[index];
    this.context.device.queue.writeBuffer(buffer, slot * SLOT_BYTES, packUniforms(uniforms, this.label));
  }

  /** Frees the uniform buffers (the kernels' own buffers belong to their owners). */
  destroy(): void {
    for (const buffer of new Set(this.slots.map((s) => s.buffer))) buffer.destroy();
  }

  private uniformSlot(data: Uint32Array<ArrayBuffer>): { buffer: GPUBuffer; offset: number } {
    if (!this.uniformBuffer || this.used === this.uniformCapacity) {
      this.uniformCapacity = Math.max(64, this.uniformCapacity * 2);
      this.uniformBuffer = this.context.device.createBuffer({
        label: `${this.label} uniforms`,
        size: this.uniformCapacity * SLOT_BYTES,
        usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      });
      this.used = 0;
    }
    const slot = this.used++;
    this.context.device.queue.writeBuffer(this.uniformBuffer, slot * SLOT_BYTES, data);
    this.slots.push({ buffer: this.uniformBuffer, slot });
    return { buffer: this.uniformBuffer, offset: slot * SLOT_BYTES };
  }
}

function packUniforms(uniforms: Uniforms, label: string): Uint32Array<ArrayBuffer> {
  const u32 = uniforms.u32 ?? [];
  const f32 = uniforms.f32 ?? [];
  if (u32.length + f32.length > SLOT_BYTES / 4) throw new ConfigError(`${label}: over 64 uniforms`);
  const data = new Uint32Array(Math.max(1, u32.length + f32.length));
  u32.forEach((v, i) => {
    data[i] = v;
  });
  new Float32Array(data.buffer).set(f32, u32.length);
  return data;
}

/** Workgroups for one thread per element of `count`, `size` threads a group, as x × y groups
 *  (x at most 65535). A kernel finds its element as gid.x + gid.y · nwg.x · size, with `nwg` the
 *  num_workgroups builtin, and returns when it is ≥ count. */
export function linearGroups(count: number, size: number): [number, number] {
  const groups = Math.max(1, Math.ceil(count / size));
  if (groups <= MAX_GROUPS) return [groups, 1];
  const y = Math.ceil(groups / MAX_GROUPS);
  return [Math.ceil(groups / y), y];
}

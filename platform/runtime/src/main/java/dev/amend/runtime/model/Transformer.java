package dev.amend.runtime.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.amend.kit.Scalars;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.Adapter;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.Capture;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.ModelArchitecture;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.TextTokenizer;
import dev.amend.spi.model.WeightLayout;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A decoder-only transformer on DJL/PyTorch with the hooks editing methods need. The loop over
 * blocks, interventions, captures, the KV cache and generation live here once; each architecture
 * supplies its embedding, attention, MLP and head in one class ({@link Gpt2Transformer},
 * {@link LlamaTransformer}).
 *
 * <p>Weights are kept under the checkpoint's Hugging Face names and in its stored layout, in the resident
 * {@link Precision} on the devices of a {@link Residency}; the forward pass computes in float32, widening a
 * half-precision weight where it is used. A model spread over several devices holds contiguous ranges of blocks on
 * each; the residual stream moves at each cut, and results come back on the first device.
 */
public abstract class Transformer implements EditableModel, AutoCloseable {

    /** Sizes and options. */
    protected final TransformerConfig config;
    /** Owner of the weights: the base manager, on the first device. */
    protected final NDManager manager;

    private static final Pattern BLOCK = Pattern.compile("\\.(?:h|layers)\\.(\\d+)\\.");

    private final ResidentWeights weights;
    private final Residency residency;
    private final NDManager[] slots;
    private final int[] blockSlots;
    private final String name;
    private final TextTokenizer tokenizer;
    private final ModelArchitecture architecture;
    private final String baseHash;
    private final ActiveAdapters adapters = new ActiveAdapters(this, this::newBlockManager);

    /**
     * Builds the model from float32 host tensors named as in a Hugging Face checkpoint, in float32 on {@code device}.
     *
     * @param name      name for logs and the API
     * @param config    sizes and options
     * @param tensors   weights; every name {@link #expectedWeights()} lists must be present, others are refused
     * @param tokenizer the tokenizer, or null for a model used on ids only
     * @param device    where the weights live ({@code cpu} or {@code gpu(N)})
     */
    protected Transformer(String name, TransformerConfig config, Map<String, HostTensor> tensors,
                          TextTokenizer tokenizer, Device device) {
        this(name, config, WeightSource.of(tensors), tokenizer, Residency.of(device));
    }

    /**
     * Builds the model from {@code source}, one weight at a time, straight into its resident type and device.
     *
     * @param name      name for logs and the API
     * @param config    sizes and options
     * @param source    weights; every name {@link #expectedWeights()} lists must be present, others are refused
     * @param tokenizer the tokenizer, or null for a model used on ids only
     * @param residency the resident type and the devices the blocks are spread over
     */
    protected Transformer(String name, TransformerConfig config, WeightSource source, TextTokenizer tokenizer,
                          Residency residency) {
        this.name = name;
        this.config = config;
        this.tokenizer = tokenizer;
        this.residency = residency;
        Map<String, long[]> expected = expectedWeights();
        checkShapes(expected, source.shapes());
        this.blockSlots = placeBlocks(expected);
        this.manager = NDManager.newBaseManager(residency.primary(), "PyTorch");
        this.slots = new NDManager[residency.devices().size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = manager.newSubManager(residency.devices().get(i));
        }
        this.weights = new ResidentWeights(residency.precision());
        MessageDigest digest = sha256();
        try {
            for (String n : new TreeSet<>(expected.keySet())) {
                NDManager into = slots[slotOf(n)];
                weights.put(n, source.read(n, into), into);
            }
            weights.digest(digest);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        this.baseHash = HexFormat.of().formatHex(digest.digest());
        List<EditPoint> points = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            points.add(editPoint(l));
        }
        long params = 0;
        for (long[] shape : expected.values()) {
            params += elements(shape);
        }
        this.architecture = new ModelArchitecture(config.family().id(), config.layers(), config.hiddenSize(),
                config.intermediateSize(), config.vocabSize(), config.maxPositions(), params, config.dtype(), points);
    }

    private void checkShapes(Map<String, long[]> expected, Map<String, long[]> given) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] t = given.get(e.getKey());
            if (t == null) {
                problems.add("missing tensor \"" + e.getKey() + "\"");
            } else if (!Arrays.equals(t, e.getValue())) {
                problems.add("tensor \"" + e.getKey() + "\" has shape " + Arrays.toString(t)
                        + ", the config needs " + Arrays.toString(e.getValue()));
            }
        }
        for (String n : given.keySet()) {
            if (!expected.containsKey(n)) {
                problems.add("unexpected tensor \"" + n + "\" for a " + config.family().id() + " model");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException("checkpoint " + name + " does not match its config: "
                    + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                    + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
        }
    }

    /** Returns the device slot of each block, balancing the resident bytes over the residency's devices. */
    private int[] placeBlocks(Map<String, long[]> expected) {
        long[] block = new long[config.layers()];
        long first = 0;
        long last = 0;
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long bytes = elements(e.getValue()) * residency.precision().bytes();
            int layer = layerOf(e.getKey());
            if (layer >= 0) {
                block[layer] += bytes;
            } else if (isEmbedding(e.getKey())) {
                first += bytes;
            } else {
                last += bytes;
            }
        }
        return residency.blockSlots(block, first, last);
    }

    /** Returns the block a weight belongs to, or -1 for the embeddings, the final norm and the head. */
    private static int layerOf(String weight) {
        Matcher m = BLOCK.matcher(weight);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static boolean isEmbedding(String weight) {
        return weight.contains("embed_tokens") || weight.contains(".wte.") || weight.contains(".wpe.");
    }

    /** Returns the device slot holding {@code weight}: its block's, the first for embeddings, else the last block's. */
    private int slotOf(String weight) {
        int layer = layerOf(weight);
        if (layer >= 0) {
            return blockSlots[layer];
        }
        return isEmbedding(weight) ? 0 : blockSlots[blockSlots.length - 1];
    }

    private static long elements(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /** Returns a model of the family in {@code config} (see {@link #Transformer}). */
    public static Transformer create(String name, TransformerConfig config, Map<String, HostTensor> tensors,
                                     TextTokenizer tokenizer, Device device) {
        return switch (config.family()) {
            case GPT2, LLAMA, QWEN2, MISTRAL -> create(name, config, WeightSource.of(tensors), tokenizer,
                    Residency.of(device));
        };
    }

    /** Returns a model of the family in {@code config} built from {@code source} with {@code residency}. */
    public static Transformer create(String name, TransformerConfig config, WeightSource source,
                                     TextTokenizer tokenizer, Residency residency) {
        return switch (config.family()) {
            case GPT2 -> new Gpt2Transformer(name, config, source, tokenizer, residency);
            case LLAMA, QWEN2, MISTRAL -> new LlamaTransformer(name, config, source, tokenizer, residency);
        };
    }

    /** Returns every weight name a model of {@code config} needs, with its stored shape. */
    public static Map<String, long[]> weightShapes(TransformerConfig config) {
        return switch (config.family()) {
            case GPT2 -> Gpt2Transformer.shapes(config);
            case LLAMA, QWEN2, MISTRAL -> LlamaTransformer.shapes(config);
        };
    }

    // ---- what each architecture supplies -------------------------------------------------------

    /** Returns every weight name this architecture needs, with its stored shape. */
    protected abstract Map<String, long[]> expectedWeights();

    /** Returns the MLP output projection of block {@code layer}. */
    protected abstract EditPoint editPoint(int layer);

    /** Returns token (and position) embeddings [B, T, d] for ids [B, T] starting at position {@code offset}. */
    protected abstract NDArray embed(NDArray ids, int offset);

    /** Returns the attention sub-block's output [B, T, d] for the residual stream {@code x} [B, T, d]. */
    protected abstract NDArray attention(int layer, NDArray x, int offset, KvCache cache, NDArray mask);

    /** Returns the MLP key [B, T, d_ff] (input of the output projection) for the residual stream {@code x}. */
    protected abstract NDArray mlpKey(int layer, NDArray x);

    /** Returns the MLP output projection of {@code key} [B, T, d_ff] → [B, T, d]. */
    protected abstract NDArray mlpOut(int layer, NDArray key);

    /** Returns logits [B, T, V] for the residual stream after the last block. */
    protected abstract NDArray head(NDArray x);

    // ---- shared pieces ---------------------------------------------------------------------------

    /**
     * Scaled dot-product attention with grouped-query heads.
     *
     * @param q    [B, H, T, hd]
     * @param k    [B, kvH, S, hd]
     * @param v    [B, kvH, S, hd]
     * @param mask [T, S] additive (0 or -inf), or null when every query sees every key
     * @return [B, T, H*hd]
     */
    protected final NDArray attend(NDArray q, NDArray k, NDArray v, NDArray mask) {
        long b = q.getShape().get(0);
        long t = q.getShape().get(2);
        int hd = config.headDim();
        int g = config.groupSize();
        NDArray qg = q.reshape(b, config.kvHeads(), g, t, hd);                        // [B, kvH, g, T, hd]
        NDArray scores = Scalars.mul(qg.matMul(k.expandDims(2).transpose(0, 1, 2, 4, 3)),
                1.0 / Math.sqrt(hd));                                                  // [B, kvH, g, T, S]
        if (mask != null) {
            scores = scores.add(onDevice(mask, scores.getDevice()));
        }
        NDArray ctx = scores.softmax(-1).matMul(v.expandDims(2));                    // [B, kvH, g, T, hd]
        return ctx.reshape(b, config.heads(), t, hd).transpose(0, 2, 1, 3)           // [B, T, H, hd]
                .reshape(b, t, (long) config.heads() * hd);
    }

    /**
     * Returns a tensor holding {@code data} in memory PyTorch owns, on {@code device}. An array created straight from
     * Java data points into a direct buffer that Java frees once the array is closed or collected, while autograd may
     * still hold the tensor for the backward pass (embedding indices, selection matrices): that reads freed memory.
     * Every constant built inside a forward pass goes through here.
     */
    final NDArray constant(float[] data, Shape shape, Device device) {
        NDArray fromJava = manager.create(data, shape);
        NDArray owned = device.equals(fromJava.getDevice()) ? fromJava.duplicate() : fromJava.toDevice(device, true);
        fromJava.close();
        return owned;
    }

    /** Returns {@code data} on the first device (see {@link #constant(float[], Shape, Device)}). */
    protected final NDArray constant(float[] data, Shape shape) {
        return constant(data, shape, manager.getDevice());
    }

    /** Returns {@code data} as an int64 tensor in memory PyTorch owns (see {@link #constant(float[], Shape)}). */
    protected final NDArray constant(long[] data, Shape shape) {
        NDArray fromJava = manager.create(data, shape);
        NDArray owned = fromJava.duplicate();
        fromJava.close();
        return owned;
    }

    /** Returns {@code a} on {@code device}: itself when it is there, else a copy that keeps the autograd graph. */
    static NDArray onDevice(NDArray a, Device device) {
        return a.getDevice().equals(device) ? a : a.toDevice(device, false);
    }

    /** Returns {@code x W + b} for a weight stored [in, out] (GPT-2 Conv1D). */
    protected final NDArray conv1d(NDArray x, String weight, String bias) {
        NDArray y = x.matMul(w(weight));
        return bias == null ? y : y.add(w(bias));
    }

    /** Returns {@code x Wᵀ + b} for a weight stored [out, in] (torch Linear). */
    protected final NDArray linear(NDArray x, String weight, String bias) {
        NDArray y = x.matMul(w(weight).transpose());
        return bias == null ? y : y.add(w(bias));
    }

    /** Returns {@code x Wᵀ} on the device of {@code weight} (an output head, which may sit on another device). */
    protected final NDArray project(NDArray x, String weight) {
        NDArray wt = w(weight);
        return onDevice(x, wt.getDevice()).matMul(wt.transpose());
    }

    /** Returns the float32 values of the weight called {@code n} for this pass (widened when held in half precision). */
    protected final NDArray w(String n) {
        NDArray a = weights.compute(n);
        if (a == null) {
            throw new IllegalStateException("no weight " + n);
        }
        return a;
    }

    /** Returns the float32 rows {@code ids} of the embedding matrix {@code n}. */
    protected final NDArray rows(String n, NDArray ids) {
        return weights.rows(n, ids);
    }

    /** Returns a new manager on the device of block {@code layer}, under the base manager. */
    private NDManager newBlockManager(int layer) {
        return manager.newSubManager(blockDevice(layer));
    }

    /** Returns the device holding block {@code layer}. */
    final Device blockDevice(int layer) {
        return residency.devices().get(blockSlots[layer]);
    }

    // ---- EditableModel -----------------------------------------------------------------------------

    @Override
    public String name() {
        return name;
    }

    @Override
    public ModelArchitecture architecture() {
        return architecture;
    }

    /** Returns the configuration. */
    public TransformerConfig config() {
        return config;
    }

    @Override
    public TextTokenizer tokenizer() {
        if (tokenizer == null) {
            throw new InvalidRequestException("model " + name + " was loaded without a tokenizer: "
                    + "add tokenizer.json to its directory (or --tokenizer for a llama2.c .bin)");
        }
        return tokenizer;
    }

    /** Returns true when a tokenizer was loaded. */
    public boolean hasTokenizer() {
        return tokenizer != null;
    }

    @Override
    public NDManager manager() {
        return manager;
    }

    @Override
    public String baseHash() {
        return baseHash;
    }

    /** Returns where the weights live and in what type. */
    public Residency residency() {
        return residency;
    }

    /** Returns the type the weights are held in. */
    public Precision precision() {
        return residency.precision();
    }

    /** Returns the bytes the weights take on their devices (parameters × bytes per parameter of the resident type). */
    public long residentBytes() {
        return weights.bytes();
    }

    /** Returns the device that holds each block, index = layer. */
    public List<Device> blockDevices() {
        List<Device> out = new ArrayList<>();
        for (int l = 0; l < blockSlots.length; l++) {
            out.add(blockDevice(l));
        }
        return out;
    }

    /** Returns the index into {@link Residency#devices()} of the device holding each block, index = layer. */
    public int[] placement() {
        return blockSlots.clone();
    }

    /** Returns the SHA-256 of the weights now, hashed as {@link #baseHash()} is (equal to it before any edit). */
    public String weightsHash() {
        MessageDigest digest = sha256();
        weights.digest(digest);
        return HexFormat.of().formatHex(digest.digest());
    }

    @Override
    public Set<String> weightNames() {
        return weights.names();
    }

    /**
     * {@inheritDoc} In a half-precision model the array is the resident one: float16 values, or for bfloat16 the
     * 16-bit patterns in a float16-typed array (DJL 0.32.0 cannot hold bfloat16); a copy of it given back to
     * {@link #setWeight} restores the weight bit for bit. {@link #weightValues} returns float32 values.
     */
    @Override
    public NDArray weight(String n) {
        NDArray a = weights.stored(n);
        if (a == null) {
            throw new InvalidRequestException("model " + name + " has no weight \"" + n + "\"");
        }
        return a;
    }

    /** Returns the float32 values of the weight called {@code n}, in its stored layout. */
    public float[] weightValues(String n) {
        NDArray a = weight(n);
        if (a.getDataType() == DataType.FLOAT32) {
            return a.toFloatArray();
        }
        try (NDArray f = weights.values(a)) {
            return f.toFloatArray();
        }
    }

    @Override
    public NDArray linearWeight(EditPoint point, NDManager into) {
        NDArray stored = weight(point.weight());
        NDArray values = stored.getDataType() == DataType.FLOAT32 ? stored : weights.values(stored);
        NDArray outIn = point.layout() == WeightLayout.IN_OUT ? values.transpose() : values;
        NDArray copy = outIn.toDevice(into.getDevice(), true);
        copy.attach(into);
        if (values != stored) {
            values.close();
        }
        return copy;
    }

    /**
     * {@inheritDoc} A value in the resident form (float32 for a float32 model, float16-typed for a half-precision one)
     * is copied bit for bit; any other is rounded once into the resident type.
     */
    @Override
    public void setWeight(String n, NDArray value) {
        NDArray target = weight(n);
        if (!target.getShape().equals(value.getShape())) {
            throw new InvalidRequestException("weight \"" + n + "\" has shape " + target.getShape()
                    + ", the new value has " + value.getShape());
        }
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            weights.write(n, value);
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** {@inheritDoc} In a half-precision model W := round(W + ΔW), computed in float32 and rounded once. */
    @Override
    public void addToWeight(WeightDelta delta) {
        NDArray target = weight(delta.weight());
        EditPoint point = editPointOf(delta.weight());
        long[] shape = target.getShape().getShape();
        boolean transposed = point != null && point.layout() == WeightLayout.IN_OUT;
        long rows = transposed ? shape[1] : shape[0];
        long cols = shape.length == 2 ? (transposed ? shape[0] : shape[1]) : 1;
        if (delta.rows() != rows || delta.cols() != cols) {
            throw new InvalidRequestException("delta for \"" + delta.weight() + "\" is [" + delta.rows() + ", "
                    + delta.cols() + "] but the weight is [" + rows + ", " + cols + "] as [out, in]");
        }
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager tmp = manager.newSubManager(target.getDevice())) {
            NDArray d;
            if (delta instanceof WeightDelta.LowRank lr) {
                NDArray u = tmp.create(lr.u(), new Shape(lr.rows(), lr.rank()));
                NDArray v = tmp.create(lr.v(), new Shape(lr.cols(), lr.rank()));
                d = u.matMul(v.transpose());
            } else {
                d = tmp.create(((WeightDelta.Dense) delta).values(), new Shape(delta.rows(), delta.cols()));
            }
            if (transposed) {
                d = d.transpose();
            }
            weights.add(delta.weight(), d.reshape(target.getShape()));
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    @Override
    public void checkAdapter(Adapter adapter) {
        adapters.check(adapter);
    }

    @Override
    public void addAdapter(Adapter adapter) {
        adapters.add(adapter);
    }

    @Override
    public boolean removeAdapter(Adapter adapter) {
        return adapters.remove(adapter);
    }

    @Override
    public int removeAdapters(java.util.Collection<Adapter> list) {
        return adapters.removeAll(list);
    }

    @Override
    public List<Adapter> adapters() {
        return adapters.list();
    }

    /** Replaces every adapter with {@code list}, in order (to mirror another copy of the model); all or nothing. */
    public void setAdapters(List<Adapter> list) {
        adapters.replaceAll(list);
    }

    /** Looks adapter kinds up in {@code kinds} from now on (a host's class path and plugin jars). */
    public void useAdapterKinds(AdapterKinds kinds) {
        adapters.use(kinds);
    }

    /** Returns the adapter kinds this model looks up. */
    public AdapterKinds adapterKinds() {
        return adapters.kinds();
    }

    private EditPoint editPointOf(String weightName) {
        for (EditPoint p : architecture.editPoints()) {
            if (p.weight().equals(weightName)) {
                return p;
            }
        }
        return null;
    }

    // ---- forward -----------------------------------------------------------------------------------

    @Override
    public ForwardResult forward(ForwardRequest request) {
        ForwardPlan plan = ForwardPlan.of(request, config, architecture);
        int b = plan.batch();
        int t = plan.length();
        Set<Capture> wanted = plan.wanted();
        NDManager out = manager.newSubManager();
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(request.gradients());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray idArray = constant(plan.ids(), new Shape(b, t));
            NDArray mask = t > 1 ? causalMask(t, 0) : null;
            Map<Capture, NDArray> captured = new LinkedHashMap<>();
            NDArray x = request.resume() != null ? request.resume().hidden() : embed(idArray, 0);
            Hooks hooks = new Hooks(plan.adds(), plan.whole(), plan.offsets(), wanted, captured, plan.replaced());
            for (int l = plan.first(); l <= plan.last(); l++) {
                x = block(l, x, 0, null, mask, hooks);
            }
            Capture next = new Capture(plan.last() + 1, Site.LAYER_INPUT);
            if (wanted.contains(next)) {
                captured.put(next, x); // the stream entering the next block, to resume from later
            }
            NDArray logits = request.stopAfterLayer() < 0 ? onDevice(head(x), manager.getDevice()) : null;
            x = onDevice(x, manager.getDevice());
            captured.replaceAll((c, a) -> onDevice(a, manager.getDevice()));
            List<NDArray> keep = new ArrayList<>(captured.values());
            keep.add(x);
            if (logits != null) {
                keep.add(logits);
            }
            NDArray resumed = request.resume() == null ? null : request.resume().hidden();
            for (NDArray a : keep) {
                if (a != resumed) {
                    NDScope.unregister(a);
                    a.attach(out);
                }
            }
            return new ForwardResult(logits, x, Collections.unmodifiableMap(captured), plan.lengths(), out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** Returns block {@code l}'s output for the residual stream {@code x}, run on the block's device. */
    NDArray block(int l, NDArray x, int offset, KvCache cache, NDArray mask, Hooks hooks) {
        x = hooks.at(this, l, Site.LAYER_INPUT, onDevice(x, blockDevice(l)));
        x = x.add(hooks.at(this, l, Site.ATTENTION_OUTPUT, attention(l, x, offset, cache, mask)));
        NDArray key = hooks.at(this, l, Site.MLP_KEY, mlpKey(l, x));
        NDArray value = hooks.offset(l, key, mlpOut(l, key));                          // (W + ΔW) key, [B, T, d]
        value = adapters.apply(l, key, value);                                         // the edits' modules, [B, T, d]
        NDArray mlp = hooks.at(this, l, Site.MLP_OUTPUT, value);
        return hooks.at(this, l, Site.LAYER_OUTPUT, x.add(mlp));
    }

    /** Returns the additive causal mask [T, offset + T] (with the sliding window where configured). */
    NDArray causalMask(int t, int offset) {
        int s = offset + t;
        float[] m = new float[t * s];
        for (int i = 0; i < t; i++) {
            int pos = offset + i;
            for (int j = 0; j < s; j++) {
                boolean visible = j <= pos && (config.slidingWindow() <= 0 || pos - j < config.slidingWindow());
                m[i * s + j] = visible ? 0f : Float.NEGATIVE_INFINITY;
            }
        }
        return constant(m, new Shape(t, s));
    }

    // ---- generation --------------------------------------------------------------------------------

    @Override
    public GenerationResult generate(GenerationRequest request) {
        return Generation.run(this, request);
    }

    /** Returns the weights as float32 host tensors (for writing checkpoints and hashing). */
    public Map<String, HostTensor> toHostTensors() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String n : weights.names()) {
            out.put(n, new HostTensor(weights.stored(n).getShape().getShape(), weightValues(n)));
        }
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns the final norm and head applied to {@code hidden} [B, T, d]: logits [B, T, V]. */
    @Override
    public NDArray logits(NDArray hidden) {
        if (hidden.getShape().dimension() != 3 || hidden.getShape().get(2) != config.hiddenSize()) {
            throw new InvalidRequestException("a residual stream has shape [B, T, " + config.hiddenSize() + "], got "
                    + hidden.getShape());
        }
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = onDevice(head(onDevice(hidden, blockDevice(config.layers() - 1))), hidden.getDevice());
            NDScope.unregister(out);
            out.attach(hidden.getManager());
            return out;
        }
    }

    /** Frees the weights and the adapters' modules (on every device). */
    @Override
    public void close() {
        adapters.close();
        manager.close();
    }
}

package dev.amend.runtime.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.amend.kit.Scalars;
import dev.amend.runtime.safetensors.HostTensor;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.WeightDelta;
import dev.amend.spi.model.Capture;
import dev.amend.spi.model.EditPoint;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.ModelArchitecture;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.TextTokenizer;
import dev.amend.spi.model.WeightLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A decoder-only transformer on DJL/PyTorch with the hooks editing methods need. The loop over
 * blocks, interventions, captures, the KV cache and generation live here once; each architecture
 * supplies its embedding, attention, MLP and head in one class ({@link Gpt2Transformer},
 * {@link LlamaTransformer}).
 *
 * <p>Weights are kept in float32 under the checkpoint's Hugging Face names and in its stored layout.
 */
public abstract class Transformer implements EditableModel, AutoCloseable {

    /** Sizes and options. */
    protected final TransformerConfig config;
    /** Owner of the weights. */
    protected final NDManager manager;
    /** Weights by Hugging Face name, in stored layout. */
    protected final Map<String, NDArray> weights;

    private final String name;
    private final TextTokenizer tokenizer;
    private final ModelArchitecture architecture;
    private final String baseHash;

    /**
     * Builds the model from float32 host tensors named as in a Hugging Face checkpoint.
     *
     * @param name      name for logs and the API
     * @param config    sizes and options
     * @param tensors   weights; every name {@link #expectedWeights()} lists must be present, others are refused
     * @param tokenizer the tokenizer, or null for a model used on ids only
     * @param device    where the weights live ({@code cpu} or {@code gpu(N)})
     */
    protected Transformer(String name, TransformerConfig config, Map<String, HostTensor> tensors,
                          TextTokenizer tokenizer, Device device) {
        this.name = name;
        this.config = config;
        this.tokenizer = tokenizer;
        Map<String, long[]> expected = expectedWeights();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            HostTensor t = tensors.get(e.getKey());
            if (t == null) {
                problems.add("missing tensor \"" + e.getKey() + "\"");
            } else if (!Arrays.equals(t.shape(), e.getValue())) {
                problems.add("tensor \"" + e.getKey() + "\" has shape " + Arrays.toString(t.shape())
                        + ", the config needs " + Arrays.toString(e.getValue()));
            }
        }
        for (String n : tensors.keySet()) {
            if (!expected.containsKey(n)) {
                problems.add("unexpected tensor \"" + n + "\" for a " + config.family().id() + " model");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException("checkpoint " + name + " does not match its config: "
                    + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
                    + (problems.size() > 5 ? "; and " + (problems.size() - 5) + " more" : ""));
        }
        this.manager = NDManager.newBaseManager(device, "PyTorch");
        Map<String, NDArray> w = new LinkedHashMap<>();
        MessageDigest digest = sha256();
        for (String n : new TreeSet<>(expected.keySet())) {
            HostTensor t = tensors.get(n);
            NDArray a = manager.create(t.data(), new Shape(t.shape()));
            a.setName(n);
            w.put(n, a);
            digest.update(n.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            ByteBuffer bb = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
            bb.asFloatBuffer().put(t.data());
            digest.update(bb);
        }
        this.weights = Collections.unmodifiableMap(w);
        this.baseHash = HexFormat.of().formatHex(digest.digest());
        List<EditPoint> points = new ArrayList<>();
        for (int l = 0; l < config.layers(); l++) {
            points.add(editPoint(l));
        }
        long params = 0;
        for (HostTensor t : tensors.values()) {
            params += t.data().length;
        }
        this.architecture = new ModelArchitecture(config.family().id(), config.layers(), config.hiddenSize(),
                config.intermediateSize(), config.vocabSize(), config.maxPositions(), params, config.dtype(), points);
    }

    /** Returns a model of the family in {@code config} (see {@link #Transformer}). */
    public static Transformer create(String name, TransformerConfig config, Map<String, HostTensor> tensors,
                                     TextTokenizer tokenizer, Device device) {
        return switch (config.family()) {
            case GPT2 -> new Gpt2Transformer(name, config, tensors, tokenizer, device);
            case LLAMA, QWEN2, MISTRAL -> new LlamaTransformer(name, config, tensors, tokenizer, device);
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
            scores = scores.add(mask);
        }
        NDArray ctx = scores.softmax(-1).matMul(v.expandDims(2));                    // [B, kvH, g, T, hd]
        return ctx.reshape(b, config.heads(), t, hd).transpose(0, 2, 1, 3)           // [B, T, H, hd]
                .reshape(b, t, (long) config.heads() * hd);
    }

    /**
     * Returns a tensor holding {@code data} in memory PyTorch owns. An array created straight from Java data
     * points into a direct buffer that Java frees once the array is closed or collected, while autograd may
     * still hold the tensor for the backward pass (embedding indices, selection matrices): that reads freed
     * memory. Every constant built inside a forward pass goes through here.
     */
    protected final NDArray constant(float[] data, Shape shape) {
        NDArray fromJava = manager.create(data, shape);
        NDArray owned = fromJava.duplicate();
        fromJava.close();
        return owned;
    }

    /** Returns {@code data} as an int64 tensor in memory PyTorch owns (see {@link #constant(float[], Shape)}). */
    protected final NDArray constant(long[] data, Shape shape) {
        NDArray fromJava = manager.create(data, shape);
        NDArray owned = fromJava.duplicate();
        fromJava.close();
        return owned;
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

    /** Returns the weight called {@code n}. */
    protected final NDArray w(String n) {
        NDArray a = weights.get(n);
        if (a == null) {
            throw new IllegalStateException("no weight " + n);
        }
        return a;
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

    @Override
    public Set<String> weightNames() {
        return weights.keySet();
    }

    @Override
    public NDArray weight(String n) {
        NDArray a = weights.get(n);
        if (a == null) {
            throw new InvalidRequestException("model " + name + " has no weight \"" + n + "\"");
        }
        return a;
    }

    @Override
    public NDArray linearWeight(EditPoint point, NDManager into) {
        NDArray stored = weight(point.weight());
        NDArray outIn = point.layout() == WeightLayout.IN_OUT ? stored.transpose() : stored;
        NDArray copy = outIn.duplicate();
        copy.attach(into);
        return copy;
    }

    @Override
    public void setWeight(String n, NDArray value) {
        NDArray target = weight(n);
        if (!target.getShape().equals(value.getShape())) {
            throw new InvalidRequestException("weight \"" + n + "\" has shape " + target.getShape()
                    + ", the new value has " + value.getShape());
        }
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager tmp = manager.newSubManager()) {
            NDArray v = value.toDevice(target.getDevice(), true).toType(DataType.FLOAT32, true);
            v.attach(tmp);
            target.set(new ai.djl.ndarray.index.NDIndex("..."), v);
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

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
            target.addi(d.reshape(target.getShape()));
        } finally {
            JniUtils.setGradMode(grad);
        }
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
            Hooks hooks = new Hooks(plan.adds(), plan.whole(), plan.offsets(), wanted, captured);
            for (int l = plan.first(); l <= plan.last(); l++) {
                x = block(l, x, 0, null, mask, hooks);
            }
            Capture next = new Capture(plan.last() + 1, Site.LAYER_INPUT);
            if (wanted.contains(next)) {
                captured.put(next, x); // the stream entering the next block, to resume from later
            }
            NDArray logits = request.stopAfterLayer() < 0 ? head(x) : null;
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

    /** What a pass does at its hooks: interventions, whole additions, weight offsets, captures. */
    record Hooks(Map<Capture, List<Intervention>> adds, Map<Capture, NDArray> whole,
                         Map<Integer, NDArray> offsets, Set<Capture> wanted, Map<Capture, NDArray> captured) {
        static Hooks none() {
            return new Hooks(Map.of(), Map.of(), Map.of(), Set.of(), new HashMap<>());
        }
    }

    NDArray block(int l, NDArray x, int offset, KvCache cache, NDArray mask, Hooks hooks) {
        x = hook(l, Site.LAYER_INPUT, x, hooks);
        x = x.add(attention(l, x, offset, cache, mask));
        NDArray key = hook(l, Site.MLP_KEY, mlpKey(l, x), hooks);
        NDArray value = mlpOut(l, key);                                               // [B, T, d]
        NDArray delta = hooks.offsets().get(l);
        if (delta != null) {
            value = value.add(key.matMul(delta.transpose()));                          // (W + ΔW) key
        }
        NDArray mlp = hook(l, Site.MLP_OUTPUT, value, hooks);
        return hook(l, Site.LAYER_OUTPUT, x.add(mlp), hooks);
    }

    private NDArray hook(int l, Site site, NDArray a, Hooks hooks) {
        Capture at = new Capture(l, site);
        List<Intervention> here = hooks.adds().get(at);
        if (here != null) {
            a = a.add(additive(a.getShape(), here));
        }
        NDArray all = hooks.whole().get(at);
        if (all != null) {
            a = a.add(all);
        }
        if (hooks.wanted().contains(at)) {
            hooks.captured().put(at, a);
        }
        return a;
    }

    /** Returns a [B, T, d] tensor holding each intervention's vector at its row/position, differentiably. */
    private NDArray additive(Shape shape, List<Intervention> here) {
        long b = shape.get(0);
        long t = shape.get(1);
        int n = here.size();
        float[] select = new float[(int) (b * t * n)];
        NDList vectors = new NDList(n);
        for (int i = 0; i < n; i++) {
            Intervention iv = here.get(i);
            select[(int) ((iv.row() * t + iv.position()) * n + i)] = 1f;
            NDArray v = iv.vector();
            if (v.getShape().dimension() != 1 || v.getShape().get(0) != shape.get(2)) {
                throw new InvalidRequestException("intervention vector has shape " + v.getShape() + ", expected ("
                        + shape.get(2) + ")");
            }
            vectors.add(v);
        }
        NDArray m = constant(select, new Shape(b * t, n));
        NDArray stacked = n == 1 ? vectors.get(0).expandDims(0) : NDArrays.stack(vectors);
        return m.matMul(stacked).reshape(shape);
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
        for (Map.Entry<String, NDArray> e : weights.entrySet()) {
            out.put(e.getKey(), new HostTensor(e.getValue().getShape().getShape(), e.getValue().toFloatArray()));
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
        return head(hidden);
    }

    /** Frees the weights. */
    @Override
    public void close() {
        manager.close();
    }
}

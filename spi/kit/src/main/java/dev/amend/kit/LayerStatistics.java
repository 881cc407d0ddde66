package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.ProgressListener;
import dev.amend.spi.edit.TextCorpus;
import dev.amend.spi.model.EditableModel;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Site;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The uncentred second moment C = E[k kᵀ] of the MLP keys (inputs of the MLP output projection) of
 * chosen layers over a local corpus, sampled as the reference {@code layer_stats} samples: each text is its
 * own sequence from position 0 (with the beginning-of-sequence token where the model uses one, no
 * end-of-text token), cut to the model's context, and a sample size counts texts
 * ({@code mom2_n_samples}). The reference draws a seeded random subset of its dataset; Amend takes the
 * first texts of the corpus in file order (all of them when the size exceeds the corpus, as there).
 *
 * <p>The sums accumulate in float64 on the model's device. Collecting {@code L} layers of key width {@code n} at once
 * holds {@code 8 L n²} bytes there, plus {@code 12 n²} bytes for one batch's product while it is added
 * ({@link #deviceBytes}): 1.6 GB per layer at Llama-3-8B's 14,336. Layers are collected in as few passes as keep
 * that under {@code amend.statistics.max-device-bytes} (default 8 GiB), each pass stopping after its last layer;
 * a single layer that does not fit is refused, saying how much it needs.
 * Results are cached on disk per model hash, layer, corpus hash, number of texts and number of tokens
 * (see {@code StatisticsCache}; each file is written to a temporary name and renamed into place).
 */
public final class LayerStatistics {
    /** Padded tokens per forward pass (at least one sequence). */
    private static final int BATCH_TOKENS = 2048;
    /** The default bound on the device memory of one collecting pass. */
    public static final long DEFAULT_MAX_DEVICE_BYTES = 8L << 30;

    /**
     * How much of a corpus to sample: the first texts, at most {@code texts} of them and at most {@code tokens}
     * tokens in all (the last text taken is cut to fit).
     *
     * @param texts  most texts (mom2_n_samples)
     * @param tokens most tokens
     */
    public record Sample(long texts, long tokens) {
        /** Checks the sizes. */
        public Sample {
            if (texts < 1 || tokens < 1) {
                throw new InvalidRequestException("a statistics sample needs at least one text and one token, got "
                        + texts + " texts and " + tokens + " tokens");
            }
        }

        /** Returns the sample of the first {@code n} texts (mom2_n_samples). */
        public static Sample texts(long n) {
            if (n < 1) {
                throw new InvalidRequestException("mom2_n_samples must be at least one text, got " + n);
            }
            return new Sample(n, Long.MAX_VALUE);
        }

        /** Returns the sample of the first texts holding {@code n} tokens in all. */
        public static Sample tokens(long n) {
            if (n < 1) {
                throw new InvalidRequestException("the statistics sample must be at least one token, got " + n);
            }
            return new Sample(Long.MAX_VALUE, n);
        }
    }

    /**
     * The sequences a sample gives on one model.
     *
     * @param sequences   one per text, cut to the context (and to the token budget)
     * @param tokens      tokens in all
     * @param corpusTexts texts the corpus holds
     */
    public record Drawn(List<int[]> sequences, long tokens, int corpusTexts) {
        /** Returns the number of texts drawn. */
        public int texts() {
            return sequences.size();
        }
    }

    /**
     * The statistics of one layer.
     *
     * @param layer        block index
     * @param dim          key size d_ff
     * @param tokens       tokens averaged over
     * @param secondMoment row-major [dim, dim] E[k kᵀ]
     * @param fromCache    true when read from the cache
     * @param texts        texts the tokens came from
     */
    public record Moment(int layer, int dim, long tokens, double[] secondMoment, boolean fromCache, long texts) {
        /** Statistics whose number of texts is not known. */
        public Moment(int layer, int dim, long tokens, double[] secondMoment, boolean fromCache) {
            this(layer, dim, tokens, secondMoment, fromCache, -1);
        }
    }

    private LayerStatistics() {
    }

    /** Returns the texts of {@code corpus} that {@code sample} takes, tokenized for {@code model}. */
    public static Drawn draw(EditableModel model, TextCorpus corpus, Sample sample) {
        int context = model.architecture().maxContext();
        List<int[]> out = new ArrayList<>();
        long tokens = 0;
        for (String doc : corpus.documents()) {
            if (out.size() >= sample.texts() || tokens >= sample.tokens()) {
                break;
            }
            int[] ids = model.tokenizer().encode(doc, true);
            int keep = (int) Math.min(Math.min(ids.length, context), sample.tokens() - tokens);
            if (keep == 0) {
                continue; // a text with no tokens adds nothing (the reference drops it too)
            }
            out.add(keep == ids.length ? ids : Arrays.copyOf(ids, keep));
            tokens += keep;
        }
        if (out.isEmpty()) {
            throw new InvalidRequestException("the statistics corpus " + corpus.name() + " holds no tokens");
        }
        return new Drawn(List.copyOf(out), tokens, corpus.documents().size());
    }

    /** Returns the cache file of one layer's statistics over {@code drawn} under {@code cacheDir}. */
    public static Path cacheFile(Path cacheDir, EditableModel model, int layer, TextCorpus corpus, Drawn drawn) {
        return cacheDir.resolve("layer-stats").resolve(model.baseHash().substring(0, 16))
                .resolve("layer" + layer + "-corpus" + corpus.sha256().substring(0, 16) + "-texts" + drawn.texts()
                        + "-tokens" + drawn.tokens() + ".safetensors");
    }

    /** Returns the cache file of one layer's statistics over the first texts holding {@code sampleTokens} tokens. */
    public static Path cacheFile(Path cacheDir, EditableModel model, int layer, TextCorpus corpus, long sampleTokens) {
        return cacheFile(cacheDir, model, layer, corpus, draw(model, corpus, Sample.tokens(sampleTokens)));
    }

    /**
     * Returns the statistics of {@code layers} over the first texts of {@code corpus} holding up to
     * {@code sampleTokens} tokens (see {@link #collect(EditableModel, List, TextCorpus, Sample, Path,
     * ProgressListener)}).
     */
    public static Map<Integer, Moment> collect(EditableModel model, List<Integer> layers, TextCorpus corpus,
                                               long sampleTokens, Path cacheDir, ProgressListener progress) {
        return collect(model, layers, corpus, Sample.tokens(sampleTokens), cacheDir, progress);
    }

    /**
     * Returns the statistics of {@code layers} over the texts of {@code corpus} that {@code sample} takes,
     * reading the cache where present and computing the missing layers in one pass.
     *
     * @param cacheDir where cache files live; null disables the cache
     */
    public static Map<Integer, Moment> collect(EditableModel model, List<Integer> layers, TextCorpus corpus,
                                               Sample sample, Path cacheDir, ProgressListener progress) {
        Drawn drawn = draw(model, corpus, sample);
        Map<Integer, Moment> out = new LinkedHashMap<>();
        List<Integer> missing = new ArrayList<>();
        for (int layer : new TreeSet<>(layers)) {
            model.architecture().editPoint(layer); // checks the range
            Moment cached = cacheDir == null ? null
                    : StatisticsCache.read(cacheFile(cacheDir, model, layer, corpus, drawn), layer, model.manager());
            if (cached != null) {
                out.put(layer, cached);
            } else {
                missing.add(layer);
            }
        }
        for (List<Integer> group : passes(missing, model.architecture().intermediateSize(), maxDeviceBytes())) {
            for (Moment m : compute(model, group, drawn, progress)) {
                out.put(m.layer(), m);
                if (cacheDir != null) {
                    StatisticsCache.write(cacheFile(cacheDir, model, m.layer(), corpus, drawn), m, model.manager());
                }
            }
        }
        return out;
    }

    /** Returns the device bytes a pass collecting {@code layers} layers of key width {@code dim} holds at its peak. */
    public static long deviceBytes(int dim, int layers) {
        long square = (long) dim * dim;
        return 8 * square * layers + 12 * square;
    }

    /** Returns the bound on one pass's device bytes: {@code amend.statistics.max-device-bytes}, else 8 GiB. */
    public static long maxDeviceBytes() {
        String p = System.getProperty("amend.statistics.max-device-bytes");
        try {
            return p == null || p.isBlank() ? DEFAULT_MAX_DEVICE_BYTES : Long.parseLong(p.strip());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException("amend.statistics.max-device-bytes must be a number of bytes, got \""
                    + p + "\"");
        }
    }

    /**
     * Returns {@code layers} (ascending) cut into consecutive groups that each fit {@code maxBytes} of device memory.
     *
     * @throws InvalidRequestException when one layer alone needs more
     */
    static List<List<Integer>> passes(List<Integer> layers, int dim, long maxBytes) {
        if (!layers.isEmpty() && deviceBytes(dim, 1) > maxBytes) {
            throw new InvalidRequestException("the statistics of one layer of key width " + dim + " need "
                    + deviceBytes(dim, 1) + " bytes on the device, more than amend.statistics.max-device-bytes="
                    + maxBytes + ": raise it (-Damend.statistics.max-device-bytes=" + deviceBytes(dim, 1) + ")");
        }
        List<List<Integer>> out = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        for (int layer : layers) {
            if (!current.isEmpty() && deviceBytes(dim, current.size() + 1) > maxBytes) {
                out.add(current);
                current = new ArrayList<>();
            }
            current.add(layer);
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }

    /**
     * Returns what an edit records about its statistics: the texts and tokens they came from, whether they were
     * cached, and under {@code warnings} a note when {@code requestedTexts} (mom2_n_samples) asked for more texts
     * than the corpus holds.
     */
    public static Map<String, Object> describe(Map<Integer, Moment> stats, long requestedTexts) {
        Map<String, Object> meta = new LinkedHashMap<>();
        if (stats.isEmpty()) {
            meta.put("statistics", "none (mom2_adjustment is false)");
            return meta;
        }
        Moment any = stats.values().iterator().next();
        meta.put("statistics_texts", any.texts());
        meta.put("statistics_tokens", any.tokens());
        meta.put("statistics_cached", stats.values().stream().allMatch(Moment::fromCache));
        if (any.texts() >= 0 && any.texts() < requestedTexts) {
            meta.put("warnings", List.of("mom2_n_samples asks for " + requestedTexts + " texts but the corpus holds "
                    + any.texts() + ": the statistics use all " + any.texts() + " texts (" + any.tokens()
                    + " tokens)"));
        }
        return meta;
    }

    /** Computes the statistics of {@code layers} (no cache) over the first texts holding {@code sampleTokens} tokens. */
    public static List<Moment> compute(EditableModel model, List<Integer> layers, TextCorpus corpus,
                                       long sampleTokens, ProgressListener progress) {
        return compute(model, layers, draw(model, corpus, Sample.tokens(sampleTokens)), progress);
    }

    /** Computes the statistics of {@code layers} (no cache) in one pass over {@code drawn}. */
    public static List<Moment> compute(EditableModel model, List<Integer> layers, Drawn drawn,
                                       ProgressListener progress) {
        int last = layers.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int dff = model.architecture().intermediateSize();
        try (NDManager nd = model.manager().newSubManager()) {
            List<NDArray> sums = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                sums.add(nd.zeros(new Shape(dff, dff), DataType.FLOAT64));
            }
            long done = 0;
            for (List<int[]> batch : batches(drawn.sequences())) {
                ForwardRequest.Builder req = ForwardRequest.builder(batch).stopAfter(last);
                for (int l : layers) {
                    req.capture(l, Site.MLP_KEY);
                }
                try (ForwardResult r = model.forward(req.build())) {
                    NDArray mask = r.manager().create(realTokens(batch), new Shape(r.lengths().length
                            * (long) maxLength(batch), 1));
                    for (int i = 0; i < layers.size(); i++) {
                        NDArray k = r.capture(layers.get(i), Site.MLP_KEY).reshape(-1, dff).mul(mask); // [N, dff]
                        sums.get(i).addi(k.transpose().matMul(k).toType(DataType.FLOAT64, false));
                    }
                }
                for (int[] s : batch) {
                    done += s.length;
                }
                progress.progress("layer statistics", done, drawn.tokens());
            }
            List<Moment> out = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                // rounded through float32, the precision of the cache, so cached and fresh runs edit identically
                double[] c = sums.get(i).div((double) drawn.tokens()).toType(DataType.FLOAT32, false)
                        .toType(DataType.FLOAT64, false).toDoubleArray();
                out.add(new Moment(layers.get(i), dff, drawn.tokens(), c, false, drawn.texts()));
            }
            return out;
        }
    }

    /** Returns the sequences longest first in batches of at most {@link #BATCH_TOKENS} padded tokens. */
    private static List<List<int[]>> batches(List<int[]> sequences) {
        List<int[]> sorted = new ArrayList<>(sequences);
        sorted.sort(Comparator.comparingInt((int[] s) -> s.length).reversed());
        List<List<int[]>> out = new ArrayList<>();
        List<int[]> cur = new ArrayList<>();
        for (int[] s : sorted) {
            if (!cur.isEmpty() && (cur.size() + 1) * (long) cur.get(0).length > BATCH_TOKENS) {
                out.add(cur);
                cur = new ArrayList<>();
            }
            cur.add(s);
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    private static int maxLength(List<int[]> batch) {
        return batch.stream().mapToInt(s -> s.length).max().orElse(0);
    }

    /** Returns [B * T] with 1 at the real tokens of each right-padded sequence and 0 at the padding. */
    private static float[] realTokens(List<int[]> batch) {
        int t = maxLength(batch);
        float[] m = new float[batch.size() * t];
        for (int b = 0; b < batch.size(); b++) {
            Arrays.fill(m, b * t, b * t + batch.get(b).length, 1f);
        }
        return m;
    }
}

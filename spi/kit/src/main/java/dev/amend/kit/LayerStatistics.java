package dev.amend.kit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
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
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The uncentred second moment C = E[k kᵀ] of the MLP keys (inputs of the MLP output projection) of
 * chosen layers over a local corpus. All layers are collected in the same forward passes, which
 * stop after the last needed layer. Results are cached on disk per model hash, layer, corpus hash
 * and sample size; a cache file is written to a temporary name and renamed into place, so a killed
 * run never leaves a half file that is read later.
 */
public final class LayerStatistics {
    /** Tokens per sequence fed to the model. */
    private static final int SEQUENCE = 128;
    /** Sequences per forward pass. */
    private static final int BATCH = 8;

    /**
     * The statistics of one layer.
     *
     * @param layer        block index
     * @param dim          key size d_ff
     * @param tokens       tokens averaged over
     * @param secondMoment row-major [dim, dim] E[k kᵀ]
     * @param fromCache    true when read from the cache
     */
    public record Moment(int layer, int dim, long tokens, double[] secondMoment, boolean fromCache) {
    }

    private LayerStatistics() {
    }

    /** Returns the cache file of one layer's statistics under {@code cacheDir}. */
    public static Path cacheFile(Path cacheDir, EditableModel model, int layer, TextCorpus corpus, long sampleTokens) {
        return cacheDir.resolve("layer-stats").resolve(model.baseHash().substring(0, 16))
                .resolve("layer" + layer + "-corpus" + corpus.sha256().substring(0, 16) + "-" + sampleTokens
                        + ".safetensors");
    }

    /**
     * Returns the statistics of {@code layers} over up to {@code sampleTokens} tokens of {@code corpus},
     * reading the cache where present and computing the missing layers in one pass.
     *
     * @param cacheDir where cache files live; null disables the cache
     */
    public static Map<Integer, Moment> collect(EditableModel model, List<Integer> layers, TextCorpus corpus,
                                               long sampleTokens, Path cacheDir, ProgressListener progress) {
        if (sampleTokens <= 0) {
            throw new InvalidRequestException("the statistics sample must be at least one token, got " + sampleTokens);
        }
        Map<Integer, Moment> out = new LinkedHashMap<>();
        List<Integer> missing = new ArrayList<>();
        for (int layer : new TreeSet<>(layers)) {
            model.architecture().editPoint(layer); // checks the range
            Moment cached = cacheDir == null ? null
                    : read(cacheFile(cacheDir, model, layer, corpus, sampleTokens), layer, model.manager());
            if (cached != null) {
                out.put(layer, cached);
            } else {
                missing.add(layer);
            }
        }
        if (!missing.isEmpty()) {
            for (Moment m : compute(model, missing, corpus, sampleTokens, progress)) {
                out.put(m.layer(), m);
                if (cacheDir != null) {
                    write(cacheFile(cacheDir, model, m.layer(), corpus, sampleTokens), m, model.manager());
                }
            }
        }
        return out;
    }

    /** Computes the statistics of {@code layers} (no cache) in one pass over the corpus. */
    public static List<Moment> compute(EditableModel model, List<Integer> layers, TextCorpus corpus,
                                       long sampleTokens, ProgressListener progress) {
        int last = layers.stream().mapToInt(Integer::intValue).max().orElseThrow();
        int dff = model.architecture().intermediateSize();
        int seq = Math.min(SEQUENCE, model.architecture().maxContext());
        List<int[]> sequences = chunk(model, corpus, seq, sampleTokens);
        long total = 0;
        for (int[] s : sequences) {
            total += s.length;
        }
        try (NDManager nd = model.manager().newSubManager()) {
            List<NDArray> sums = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                sums.add(nd.zeros(new Shape(dff, dff), DataType.FLOAT64));
            }
            long done = 0;
            for (int from = 0; from < sequences.size(); from += BATCH) {
                List<int[]> batch = sequences.subList(from, Math.min(sequences.size(), from + BATCH));
                ForwardRequest.Builder req = ForwardRequest.builder(batch).stopAfter(last);
                for (int l : layers) {
                    req.capture(l, Site.MLP_KEY);
                }
                int rows = 0;
                for (int[] s : batch) {
                    rows += s.length;
                }
                float[] keep = new float[batch.size() * seq];
                for (int b = 0; b < batch.size(); b++) {
                    int len = batch.get(b).length;
                    for (int t = 0; t < len; t++) {
                        keep[b * seq + t] = 1f;
                    }
                }
                try (ForwardResult r = model.forward(req.build())) {
                    int width = (int) r.capture(layers.get(0), Site.MLP_KEY).getShape().get(1);
                    NDArray mask = r.manager().create(subMask(keep, batch.size(), seq, width),
                            new Shape((long) batch.size() * width, 1));
                    for (int i = 0; i < layers.size(); i++) {
                        NDArray k = r.capture(layers.get(i), Site.MLP_KEY).reshape(-1, dff).mul(mask); // [N, dff]
                        sums.get(i).addi(k.transpose().matMul(k).toType(DataType.FLOAT64, false));
                    }
                }
                done += rows;
                progress.progress("layer statistics", done, total);
            }
            List<Moment> out = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                // rounded through float32, the precision of the cache, so cached and fresh runs edit identically
                double[] c = sums.get(i).div((double) total).toType(DataType.FLOAT32, false)
                        .toType(DataType.FLOAT64, false).toDoubleArray();
                out.add(new Moment(layers.get(i), dff, total, c, false));
            }
            return out;
        }
    }

    private static float[] subMask(float[] keep, int batch, int seq, int width) {
        float[] m = new float[batch * width];
        for (int b = 0; b < batch; b++) {
            System.arraycopy(keep, b * seq, m, b * width, width);
        }
        return m;
    }

    /** Tokenizes the corpus into one stream (documents separated by end-of-text where the model has it) cut into sequences. */
    private static List<int[]> chunk(EditableModel model, TextCorpus corpus, int seq, long sampleTokens) {
        List<int[]> out = new ArrayList<>();
        int[] buf = new int[seq];
        int fill = 0;
        long taken = 0;
        int bos = model.tokenizer().bos().orElse(-1);
        int eos = model.tokenizer().eos().orElse(-1);
        outer:
        for (String doc : corpus.documents()) {
            int[] ids = model.tokenizer().encode(doc, true);
            for (int pos = 0; pos <= ids.length; pos++) {
                int id;
                if (pos < ids.length) {
                    id = ids[pos];
                } else if (eos >= 0 && bos < 0) {
                    id = eos;
                } else {
                    continue;
                }
                buf[fill++] = id;
                taken++;
                if (fill == seq) {
                    out.add(buf.clone());
                    fill = 0;
                }
                if (taken >= sampleTokens) {
                    break outer;
                }
            }
        }
        if (fill > 0) {
            out.add(java.util.Arrays.copyOf(buf, fill));
        }
        return out;
    }

    private static Moment read(Path file, int layer, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (NDManager nd = manager.newSubManager(); InputStream in = Files.newInputStream(file)) {
            NDList list = NDList.decode(nd, in);
            NDArray c = list.get("second_moment");
            NDArray count = list.get("tokens");
            if (c == null || count == null) {
                return null;
            }
            int dim = (int) c.getShape().get(0);
            return new Moment(layer, dim, count.toLongArray()[0], c.toType(DataType.FLOAT64, false).toDoubleArray(),
                    true);
        } catch (IOException | RuntimeException e) {
            return null; // unreadable cache: computed again and overwritten
        }
    }

    private static void write(Path file, Moment m, NDManager manager) {
        try (NDManager nd = manager.newSubManager()) {
            Files.createDirectories(file.getParent());
            NDArray c = nd.create(m.secondMoment(), new Shape(m.dim(), m.dim())).toType(DataType.FLOAT32, false);
            c.setName("second_moment");
            NDArray count = nd.create(new long[] {m.tokens()});
            count.setName("tokens");
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    new NDList(c, count).encode(out, NDList.Encoding.SAFETENSORS);
                }
                try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write layer statistics cache " + file, e);
        }
    }
}

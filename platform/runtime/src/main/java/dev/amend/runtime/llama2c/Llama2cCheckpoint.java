package dev.amend.runtime.llama2c;

import ai.djl.Device;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.model.Family;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.WeightSource;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.safetensors.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads llama2.c "version 0" checkpoints ({@code .bin} files written by llama2.c's {@code export.py}
 * legacy format, as used by the tinyllamas stories models) into Hugging Face-named Llama tensors.
 *
 * <p>Layout (little-endian): a header of seven int32 {@code dim, hidden_dim, n_layers, n_heads,
 * n_kv_heads, vocab_size, seq_len}, then float32 tensors stored kind by kind for all layers: token
 * embedding, attention RMSNorm, wq, wk, wv, wo, MLP RMSNorm, w1, w2, w3, final RMSNorm, the legacy
 * RoPE cos and sin tables, and a classifier only when {@code vocab_size} is negative (otherwise the
 * classifier is the embedding).
 *
 * <p>llama2.c rotates interleaved pairs {@code (2j, 2j+1)} of each head; the runtime uses Hugging
 * Face's rotate_half pairs {@code (j, j + head_size/2)}. The rows of wq and wk are therefore
 * permuted per head (even rows first, then odd rows), which leaves every attention score unchanged.
 */
public final class Llama2cCheckpoint {

    /** Size of the header in bytes: seven int32. */
    public static final int HEADER_BYTES = 7 * Integer.BYTES;
    /** RMSNorm epsilon llama2.c uses. */
    public static final double NORM_EPS = 1e-5;
    /** RoPE base llama2.c uses. */
    public static final double ROPE_THETA = 10000.0;

    private Llama2cCheckpoint() {
    }

    /**
     * The seven header fields as stored.
     *
     * @param dim        residual width
     * @param hiddenDim  MLP width
     * @param layers     number of blocks
     * @param heads      query heads
     * @param kvHeads    key/value heads
     * @param storedVocabSize vocabulary size, negative when a separate classifier follows the tensors
     * @param seqLen     longest sequence
     */
    public record Header(int dim, int hiddenDim, int layers, int heads, int kvHeads, int storedVocabSize, int seqLen) {

        /** Returns the vocabulary size (the absolute value of the stored one). */
        public int vocabSize() {
            return Math.abs(storedVocabSize);
        }

        /** Returns true when the classifier is the token embedding (stored vocabulary size positive). */
        public boolean sharedClassifier() {
            return storedVocabSize > 0;
        }

        /** Returns the size of one attention head. */
        public int headSize() {
            return dim / heads;
        }

        /** Returns the width of the key and value projections. */
        public int kvDim() {
            return kvHeads * headSize();
        }

        /** Returns the fields under llama2.c's names. */
        @Override
        public String toString() {
            return "dim=" + dim + ", hidden_dim=" + hiddenDim + ", n_layers=" + layers + ", n_heads=" + heads
                    + ", n_kv_heads=" + kvHeads + ", vocab_size=" + storedVocabSize + ", seq_len=" + seqLen;
        }
    }

    /**
     * A parsed checkpoint.
     *
     * @param header   the header as stored
     * @param config   the equivalent runtime config
     * @param tensors  weights under Hugging Face Llama names (q/k rows permuted to rotate_half), no {@code lm_head} when tied
     * @param ropeCos  llama2.c's stored cos table [seq_len, head_size/2] (not used by the model)
     * @param ropeSin  llama2.c's stored sin table [seq_len, head_size/2] (not used by the model)
     */
    public record Parsed(Header header, TransformerConfig config, Map<String, HostTensor> tensors,
                         HostTensor ropeCos, HostTensor ropeSin) {
    }

    /** Loads {@code bin} (and the tokenizer when not null) as a model on {@code device}, named after the file. */
    public static Transformer load(Path bin, Path tokenizerBinOrNull, Device device) {
        return load(bin, tokenizerBinOrNull, Residency.of(device));
    }

    /** Loads {@code bin} (and the tokenizer when not null) held as {@code residency} says, named after the file. */
    public static Transformer load(Path bin, Path tokenizerBinOrNull, Residency residency) {
        Parsed parsed = read(bin);
        Llama2cTokenizer tokenizer = null;
        if (tokenizerBinOrNull != null) {
            tokenizer = Llama2cTokenizer.read(tokenizerBinOrNull);
            if (tokenizer.vocabSize() != parsed.config().vocabSize()) {
                throw new MalformedCheckpointException(tokenizerBinOrNull, "holds " + tokenizer.vocabSize()
                        + " tokens but the checkpoint " + bin + " has a vocabulary of " + parsed.config().vocabSize()
                        + "; they do not belong together");
            }
        }
        return Transformer.create(modelName(bin), parsed.config(), WeightSource.of(parsed.tensors()), tokenizer,
                residency);
    }

    /** Reads and checks {@code bin}; throws {@link MalformedCheckpointException} naming the file on any inconsistency. */
    public static Parsed read(Path bin) {
        try (FileChannel channel = FileChannel.open(bin, StandardOpenOption.READ)) {
            long fileBytes = channel.size();
            if (fileBytes < HEADER_BYTES) {
                throw new MalformedCheckpointException(bin, "is " + fileBytes + " bytes long, shorter than the "
                        + HEADER_BYTES + "-byte llama2.c header");
            }
            FloatReader reader = new FloatReader(bin, channel);
            Header header = reader.header();
            checkHeader(bin, header);
            long expectedBytes = expectedBytes(bin, header);
            if (fileBytes < expectedBytes) {
                throw new MalformedCheckpointException(bin, "is truncated: " + fileBytes + " bytes, but its header ("
                        + header + ") needs " + expectedBytes + " bytes");
            }
            if (fileBytes > expectedBytes) {
                throw new MalformedCheckpointException(bin, "is too long: " + fileBytes + " bytes, "
                        + (fileBytes - expectedBytes) + " more than the " + expectedBytes + " its header (" + header
                        + ") describes (not a llama2.c version 0 checkpoint, or a wrong header?)");
            }
            return readTensors(bin, header, reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the llama2.c checkpoint " + bin, e);
        }
    }

    /** Returns the runtime config equivalent to {@code header}. */
    public static TransformerConfig config(Header header) {
        return new TransformerConfig(Family.LLAMA, header.vocabSize(), header.dim(), header.hiddenDim(), header.layers(),
                header.heads(), header.kvHeads(), header.headSize(), header.seqLen(), NORM_EPS, ROPE_THETA, null,
                header.sharedClassifier(), false, false, false, 0, Llama2cTokenizer.BOS_ID, Llama2cTokenizer.EOS_ID,
                "float32");
    }

    private static String modelName(Path bin) {
        String file = bin.getFileName().toString();
        return file.endsWith(".bin") && file.length() > 4 ? file.substring(0, file.length() - 4) : file;
    }

    private static void checkHeader(Path bin, Header h) {
        if (h.dim() <= 0 || h.hiddenDim() <= 0 || h.layers() <= 0 || h.heads() <= 0 || h.kvHeads() <= 0
                || h.seqLen() <= 0 || h.storedVocabSize() == 0 || h.storedVocabSize() == Integer.MIN_VALUE) {
            throw new MalformedCheckpointException(bin, "header has a zero or negative size (" + h
                    + "); only vocab_size may be negative (separate classifier)");
        }
        if (h.dim() % h.heads() != 0) {
            throw new MalformedCheckpointException(bin, "header dim " + h.dim() + " is not a multiple of n_heads "
                    + h.heads());
        }
        if (h.heads() % h.kvHeads() != 0) {
            throw new MalformedCheckpointException(bin, "header n_heads " + h.heads()
                    + " is not a multiple of n_kv_heads " + h.kvHeads());
        }
        if (h.headSize() % 2 != 0) {
            throw new MalformedCheckpointException(bin, "head size " + h.headSize() + " (dim / n_heads) is odd; RoPE needs it even");
        }
    }

    /** Returns the exact file size the header implies, refusing sizes that overflow or exceed one Java array per tensor. */
    private static long expectedBytes(Path bin, Header h) {
        try {
            long d = h.dim();
            long layers = h.layers();
            long embedding = perTensor(bin, "token embedding", Math.multiplyExact((long) h.vocabSize(), d));
            long q = perTensor(bin, "wq", Math.multiplyExact(d, d));
            long kv = perTensor(bin, "wk/wv", Math.multiplyExact((long) h.kvDim(), d));
            long mlp = perTensor(bin, "w1/w2/w3", Math.multiplyExact((long) h.hiddenDim(), d));
            long rope = perTensor(bin, "RoPE table", Math.multiplyExact((long) h.seqLen(), h.headSize() / 2));
            long perLayer = Math.addExact(Math.addExact(2 * d, Math.multiplyExact(2, q)),
                    Math.addExact(Math.multiplyExact(2, kv), Math.multiplyExact(3, mlp)));
            long floats = Math.addExact(embedding, Math.multiplyExact(layers, perLayer));
            floats = Math.addExact(floats, Math.addExact(d, Math.multiplyExact(2, rope)));
            if (!h.sharedClassifier()) {
                floats = Math.addExact(floats, embedding);
            }
            return Math.addExact(HEADER_BYTES, Math.multiplyExact(floats, (long) Float.BYTES));
        } catch (ArithmeticException e) {
            throw new MalformedCheckpointException(bin, "header sizes (" + h + ") overflow a file size; not a llama2.c checkpoint?");
        }
    }

    private static long perTensor(Path bin, String what, long elements) {
        if (elements > Integer.MAX_VALUE - 8) {
            throw new MalformedCheckpointException(bin, "one " + what + " tensor would hold " + elements
                    + " floats, more than one Java array can");
        }
        return elements;
    }

    private static Parsed readTensors(Path bin, Header h, FloatReader reader) throws IOException {
        int d = h.dim();
        int layers = h.layers();
        int vocab = h.vocabSize();
        int hs = h.headSize();
        int kvDim = h.kvDim();
        int ff = h.hiddenDim();
        Map<String, HostTensor> byName = new HashMap<>();
        byName.put("model.embed_tokens.weight", reader.tensor(vocab, d));
        readPerLayer(reader, byName, layers, "input_layernorm.weight", d);
        for (int l = 0; l < layers; l++) {
            byName.put(layerName(l, "self_attn.q_proj.weight"), interleavedToHalves(reader.tensor(d, d), h.heads(), hs));
        }
        for (int l = 0; l < layers; l++) {
            byName.put(layerName(l, "self_attn.k_proj.weight"), interleavedToHalves(reader.tensor(kvDim, d), h.kvHeads(), hs));
        }
        readPerLayer(reader, byName, layers, "self_attn.v_proj.weight", kvDim, d);
        readPerLayer(reader, byName, layers, "self_attn.o_proj.weight", d, d);
        readPerLayer(reader, byName, layers, "post_attention_layernorm.weight", d);
        readPerLayer(reader, byName, layers, "mlp.gate_proj.weight", ff, d);
        readPerLayer(reader, byName, layers, "mlp.down_proj.weight", d, ff);
        readPerLayer(reader, byName, layers, "mlp.up_proj.weight", ff, d);
        byName.put("model.norm.weight", reader.tensor(d));
        HostTensor ropeCos = reader.tensor(h.seqLen(), hs / 2);
        HostTensor ropeSin = reader.tensor(h.seqLen(), hs / 2);
        if (!h.sharedClassifier()) {
            byName.put("lm_head.weight", reader.tensor(vocab, d));
        }
        if (reader.position() != reader.size()) {
            throw new MalformedCheckpointException(bin, "read " + reader.position() + " of " + reader.size()
                    + " bytes; the tensors do not fill the file");
        }
        Map<String, HostTensor> ordered = new LinkedHashMap<>();
        ordered.put("model.embed_tokens.weight", byName.get("model.embed_tokens.weight"));
        for (int l = 0; l < layers; l++) {
            for (String part : new String[] {"input_layernorm.weight", "self_attn.q_proj.weight",
                    "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
                    "post_attention_layernorm.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                    "mlp.down_proj.weight"}) {
                ordered.put(layerName(l, part), byName.get(layerName(l, part)));
            }
        }
        ordered.put("model.norm.weight", byName.get("model.norm.weight"));
        if (!h.sharedClassifier()) {
            ordered.put("lm_head.weight", byName.get("lm_head.weight"));
        }
        return new Parsed(h, config(h), Collections.unmodifiableMap(ordered), ropeCos, ropeSin);
    }

    private static void readPerLayer(FloatReader reader, Map<String, HostTensor> into, int layers, String part,
                                     int... shape) throws IOException {
        for (int l = 0; l < layers; l++) {
            into.put(layerName(l, part), reader.tensor(shape));
        }
    }

    private static String layerName(int layer, String part) {
        return "model.layers." + layer + "." + part;
    }

    /**
     * Reorders the rows of a q or k projection [heads*headSize, in] from llama2.c's interleaved RoPE
     * pairs to rotate_half pairs: within each head, row {@code 2j} moves to {@code j} and row
     * {@code 2j+1} to {@code headSize/2 + j}.
     */
    static HostTensor interleavedToHalves(HostTensor projection, int heads, int headSize) {
        int columns = (int) projection.shape()[1];
        float[] source = projection.data();
        float[] permuted = new float[source.length];
        int half = headSize / 2;
        for (int head = 0; head < heads; head++) {
            int base = head * headSize;
            for (int j = 0; j < half; j++) {
                System.arraycopy(source, (base + 2 * j) * columns, permuted, (base + j) * columns, columns);
                System.arraycopy(source, (base + 2 * j + 1) * columns, permuted, (base + half + j) * columns, columns);
            }
        }
        return new HostTensor(projection.shape().clone(), permuted);
    }

    /** Sequential little-endian reader of the header and float32 tensors, through a bounded buffer. */
    private static final class FloatReader {
        private static final int BUFFER_BYTES = 1 << 20;
        private final Path file;
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private long position;

        FloatReader(Path file, FileChannel channel) {
            this.file = file;
            this.channel = channel;
        }

        Header header() throws IOException {
            fill(HEADER_BYTES);
            Header h = new Header(buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt(), buffer.getInt(),
                    buffer.getInt(), buffer.getInt());
            position += HEADER_BYTES;
            return h;
        }

        HostTensor tensor(int... shape) throws IOException {
            long[] dims = new long[shape.length];
            int count = 1;
            for (int i = 0; i < shape.length; i++) {
                dims[i] = shape[i];
                count *= shape[i];
            }
            float[] values = new float[count];
            int done = 0;
            while (done < count) {
                int chunk = Math.min(count - done, BUFFER_BYTES / Float.BYTES);
                fill(chunk * Float.BYTES);
                buffer.asFloatBuffer().get(values, done, chunk);
                done += chunk;
                position += (long) chunk * Float.BYTES;
            }
            return new HostTensor(dims, values);
        }

        long position() {
            return position;
        }

        long size() throws IOException {
            return channel.size();
        }

        /** Reads exactly {@code bytes} bytes at the current position into the buffer, ready to get. */
        private void fill(int bytes) throws IOException {
            buffer.clear().limit(bytes);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new MalformedCheckpointException(file, "ends at byte " + (position + buffer.position())
                            + " while " + bytes + " more bytes were expected (file changed while reading?)");
                }
            }
            buffer.flip();
        }
    }
}

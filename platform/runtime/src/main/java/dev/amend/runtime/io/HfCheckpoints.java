package dev.amend.runtime.io;

import ai.djl.Device;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.amend.runtime.MalformedCheckpointException;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.runtime.model.TransformerConfig;
import dev.amend.runtime.safetensors.DType;
import dev.amend.runtime.tokenizer.HfTokenizer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Reads and writes Hugging Face model directories: {@code config.json} ({@link HfConfig}), {@code model.safetensors}
 * or sharded files with {@code model.safetensors.index.json} ({@link HfWeights}), and {@code tokenizer.json}.
 */
public final class HfCheckpoints {
    /** Name of the single-file weights. */
    public static final String WEIGHTS = "model.safetensors";
    /** Name of the shard index. */
    public static final String INDEX = "model.safetensors.index.json";

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private HfCheckpoints() {
    }

    /** Returns the model in {@code dir} on the CPU. */
    public static Transformer load(Path dir) {
        return load(dir, Device.cpu());
    }

    /**
     * Returns the model in {@code dir} on {@code device}.
     *
     * @throws MalformedCheckpointException naming the file and the problem when something is missing or broken
     */
    public static Transformer load(Path dir, Device device) {
        return load(dir, device, dir.toAbsolutePath().normalize().getFileName().toString());
    }

    /** Returns the model in {@code dir} on {@code device}, called {@code name}. */
    public static Transformer load(Path dir, Device device, String name) {
        return load(dir, Residency.of(device), name);
    }

    /**
     * Returns the model in {@code dir}, called {@code name}, held as {@code residency} says. Each tensor goes to its
     * device as it is stored; a checkpoint stored in the resident type is never widened.
     */
    public static Transformer load(Path dir, Residency residency, String name) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidRequestException("model directory " + dir + " does not exist");
        }
        JsonObject json = HfConfig.readJson(dir.resolve("config.json"));
        TransformerConfig config = HfConfig.parse(dir.resolve("config.json"), json, null);
        DType dtype = HfWeights.storedDtype(dir);
        config = HfConfig.withDtype(config, dtype == null ? config.dtype() : dtype.torchName());
        Path tok = dir.resolve("tokenizer.json");
        TextTokenizer tokenizer = Files.exists(tok) ? HfTokenizer.load(tok, config) : null;
        try (SafetensorsSource source = SafetensorsSource.of(dir, config)) {
            return Transformer.create(name, config, source, tokenizer, residency);
        }
    }

    /** Returns the configuration in {@code dir}/config.json. */
    public static TransformerConfig readConfig(Path dir) {
        Path file = dir.resolve("config.json");
        return HfConfig.parse(file, HfConfig.readJson(file), null);
    }

    /** Writes {@code model} to {@code dir} as config.json, model.safetensors and tokenizer.json (when loaded). */
    public static void write(Transformer model, Path dir) throws IOException {
        write(model, dir, Long.MAX_VALUE);
    }

    /**
     * Writes {@code model} to {@code dir}; when the weights exceed {@code maxShardBytes} they are split into
     * {@code model-0000i-of-0000N.safetensors} files with a {@code model.safetensors.index.json}.
     */
    public static void write(Transformer model, Path dir, long maxShardBytes) throws IOException {
        Files.createDirectories(dir);
        HfWeights.write(model.toHostTensors(), dir, maxShardBytes);
        writeAtomically(dir.resolve("config.json"), GSON.toJson(configJson(model.config())));
        if (model.hasTokenizer() && model.tokenizer() instanceof HfTokenizer hf) {
            Files.copy(hf.source(), dir.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Returns the Hugging Face {@code config.json} object for {@code c}. */
    public static JsonObject configJson(TransformerConfig c) {
        return HfConfig.toJson(c);
    }

    /** Writes {@code text} to {@code file} through a temporary file and an atomic rename. */
    public static void writeAtomically(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}

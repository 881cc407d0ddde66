package dev.amend.runtime.io;

import ai.djl.Device;
import dev.amend.runtime.llama2c.Llama2cCheckpoint;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a model from a path: a Hugging Face directory, or a llama2.c {@code .bin} with its tokenizer. */
public final class ModelLoader {
    private ModelLoader() {
    }

    /**
     * Returns the model at {@code path}.
     *
     * @param path      a Hugging Face model directory or a llama2.c checkpoint file ({@code .bin})
     * @param tokenizer for a llama2.c checkpoint: its {@code tok*.bin} (may be null); ignored for a directory
     * @param device    where to put the weights
     */
    public static Transformer load(Path path, Path tokenizer, Device device) {
        return load(path, tokenizer, Residency.of(device));
    }

    /**
     * Returns the model at {@code path} held as {@code residency} says (resident type, devices).
     *
     * @param path      a Hugging Face model directory or a llama2.c checkpoint file ({@code .bin})
     * @param tokenizer for a llama2.c checkpoint: its {@code tok*.bin} (may be null); ignored for a directory
     * @param residency the resident type and the devices the blocks are spread over
     */
    public static Transformer load(Path path, Path tokenizer, Residency residency) {
        if (Files.isDirectory(path)) {
            return HfCheckpoints.load(path, residency, path.toAbsolutePath().normalize().getFileName().toString());
        }
        if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".bin")) {
            return Llama2cCheckpoint.load(path, tokenizer, residency);
        }
        if (!Files.exists(path)) {
            throw new InvalidRequestException("model path " + path + " does not exist");
        }
        throw new InvalidRequestException("cannot tell the format of " + path
                + ": give a Hugging Face model directory or a llama2.c .bin file");
    }
}

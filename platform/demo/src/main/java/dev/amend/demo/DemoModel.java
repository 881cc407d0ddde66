package dev.amend.demo;

import ai.djl.Device;
import dev.amend.demo.corpus.FactCorpus;
import dev.amend.runtime.io.AmendDirs;
import dev.amend.runtime.io.HfCheckpoints;
import dev.amend.runtime.model.Residency;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.edit.TextCorpus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The shipped demo checkpoint, a Hugging Face directory on the class path under
 * {@code dev/amend/demo/model/}. It is unpacked once into a cache folder keyed by its size and
 * corpus hash (atomically: a folder is renamed into place only when complete), then loaded like any
 * other checkpoint. The model's name is {@code demo}.
 */
public final class DemoModel {
    /** Class-path folder of the checkpoint. */
    public static final String RESOURCE_DIR = "dev/amend/demo/model/";
    /** The files of the checkpoint. */
    public static final List<String> FILES = List.of("config.json", "model.safetensors", "tokenizer.json",
            "amend-demo.json");

    private DemoModel() {
    }

    /** Returns true when the checkpoint is on the class path. */
    public static boolean available() {
        return DemoModel.class.getClassLoader().getResource(RESOURCE_DIR + "model.safetensors") != null;
    }

    /** Returns the folder holding the unpacked checkpoint (unpacking it on first use). */
    public static Path directory() {
        if (!available()) {
            throw new IllegalStateException("the demo checkpoint is not on the class path: build platform/demo"
                    + " or train one with ./amend train-demo");
        }
        try {
            String key = Integer.toHexString(fingerprint());
            Path base = AmendDirs.cache();
            Path dir = base.resolve("demo-" + key);
            if (Files.exists(dir.resolve("model.safetensors"))) {
                return dir;
            }
            Files.createDirectories(base);
            Path tmp = Files.createTempDirectory(base, "demo-unpacking-");
            for (String f : FILES) {
                try (InputStream in = DemoModel.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + f)) {
                    if (in == null) {
                        throw new IllegalStateException("demo checkpoint file " + f + " is missing from the class path");
                    }
                    Files.copy(in, tmp.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                if (!Files.exists(dir.resolve("model.safetensors"))) {
                    throw raced;
                }
                try (var s = Files.list(tmp)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(tmp);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the demo checkpoint", e);
        }
    }

    /** Returns the demo model on {@code device}. */
    public static Transformer load(Device device) {
        return HfCheckpoints.load(directory(), device, "demo");
    }

    /** Returns the demo model held as {@code residency} says (resident type, devices). */
    public static Transformer load(Residency residency) {
        return HfCheckpoints.load(directory(), residency, "demo");
    }

    /** Returns the text the demo model's layer statistics come from: its own training texts. */
    public static TextCorpus statisticsCorpus() {
        return TextCorpus.of("demo corpus (facts in train templates and passages)", FactCorpus.load().trainingTexts());
    }

    private static int fingerprint() throws IOException {
        int h = 17;
        for (String f : List.of("amend-demo.json", "config.json")) {
            try (InputStream in = DemoModel.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + f)) {
                if (in != null) {
                    h = 31 * h + java.util.Arrays.hashCode(in.readAllBytes());
                }
            }
        }
        return h;
    }
}

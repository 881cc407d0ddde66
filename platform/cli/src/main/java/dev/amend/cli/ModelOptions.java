package dev.amend.cli;

import dev.amend.runtime.io.ModelLoader;
import dev.amend.runtime.model.Transformer;
import dev.amend.demo.DemoModel;
import java.nio.file.Path;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options that choose a model: path, tokenizer, device(s), resident type. */
final class ModelOptions {
    @Option(names = "--model", paramLabel = "PATH",
            description = "Hugging Face model directory, or a llama2.c .bin checkpoint (default: the demo model).")
    Path model;

    @Option(names = "--tokenizer", paramLabel = "FILE",
            description = "Tokenizer of a llama2.c checkpoint (tok*.bin).")
    Path tokenizer;

    @Mixin
    ResidencyOptions where;

    /** Returns the chosen model, loaded. */
    Transformer load() {
        if (model == null) {
            return DemoModel.load(where.residency());
        }
        return ModelLoader.load(model, tokenizer, where.residency());
    }
}

package dev.amend.cli;

import dev.amend.demo.DemoModel;
import dev.amend.kit.CorpusFile;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.edit.TextCorpus;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The option that chooses the text corpus of layer statistics. */
final class CorpusOptions {
    @Option(names = "--corpus", paramLabel = "FILE",
            description = "Local text for layer statistics: plain text (documents separated by blank lines) or JSON "
                    + "lines with a \"text\" field. Default for the demo model: its own training text.")
    Path corpus;

    /** Returns the corpus for {@code model}, or null when none is given (methods that need one say so). */
    TextCorpus resolveOrNull(Transformer model) {
        return corpus == null && !model.name().equals("demo") ? null : resolve(model);
    }

    /** Returns the corpus for {@code model}, or throws saying how to give one. */
    TextCorpus resolve(Transformer model) {
        if (corpus != null) {
            return CorpusFile.read(corpus);
        }
        if (model.name().equals("demo")) {
            return DemoModel.statisticsCorpus();
        }
        throw new InvalidRequestException("model " + model.name() + " needs a text corpus for its layer statistics: "
                + "pass --corpus FILE (plain text or JSON lines); nothing is downloaded");
    }
}

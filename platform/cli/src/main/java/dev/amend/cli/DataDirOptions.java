package dev.amend.cli;

import dev.amend.runtime.ledger.EditLedger;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.EditableModel;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The data directory that holds the edit ledgers (the kept edits) of models. */
final class DataDirOptions {
    @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:AMEND_DATA_DIR}",
            description = "Directory of the edit ledgers: kept edits are replayed onto the model (default: AMEND_DATA_DIR,"
                    + " else none).")
    Path dataDir;

    /** Returns the ledger of {@code model} under the data directory (its kept edits applied), or null when none is set. */
    EditLedger openOrNull(EditableModel model) {
        return dataDir == null ? null : EditLedger.open(dataDir, model);
    }

    /** Returns the ledger of {@code model}, or says how to name the data directory. */
    EditLedger open(EditableModel model) {
        require("this command");
        return EditLedger.open(dataDir, model);
    }

    /** Throws a clear error when no data directory is set. */
    void require(String what) {
        if (dataDir == null) {
            throw new InvalidRequestException(what + " needs a data directory: pass --data-dir DIR (or set"
                    + " AMEND_DATA_DIR), the directory where kept edits are recorded");
        }
    }
}

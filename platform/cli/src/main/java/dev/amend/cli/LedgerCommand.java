package dev.amend.cli;

import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.runtime.ledger.RollbackResult;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.InvalidRequestException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code amend ledger ...}: the edits kept for a model under a data directory (see docs/ledger.md). */
@Command(name = "ledger", mixinStandardHelpOptions = true,
        description = "List, show, roll back, export and import the edits kept in a model's ledger.",
        subcommands = {LedgerCommand.ListEdits.class, LedgerCommand.Show.class, LedgerCommand.Rollback.class,
            LedgerCommand.Export.class, LedgerCommand.Import.class})
final class LedgerCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** What every ledger subcommand needs: the model and the data directory. */
    abstract static class OnLedger implements Callable<Integer> {
        @Mixin
        ModelOptions modelOptions;

        @Mixin
        DataDirOptions dataDirOptions;

        @Option(names = "--json", description = "Print JSON.")
        boolean json;

        @Override
        public Integer call() throws Exception {
            dataDirOptions.require("amend ledger");
            try (Transformer model = modelOptions.load(); EditLedger ledger = dataDirOptions.open(model)) {
                return run(ledger);
            }
        }

        abstract int run(EditLedger ledger) throws Exception;
    }

    static String requests(LedgerEntry e) {
        return e.requests().stream().map(r -> r.filledPrompt() + " ->" + r.target())
                .collect(Collectors.joining("; "));
    }

    /** {@code amend ledger list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "The kept edits, oldest first.")
    static final class ListEdits extends OnLedger {
        @Override
        int run(EditLedger ledger) {
            List<LedgerEntry> entries = ledger.entries();
            if (json) {
                List<Map<String, Object>> out = new ArrayList<>();
                entries.forEach(e -> out.add(e.describe()));
                System.out.println(Json.of(out));
                return 0;
            }
            System.out.printf("%d kept edit(s) of %s in %s%n", entries.size(), ledger.model().name(), ledger.directory());
            for (LedgerEntry e : entries) {
                System.out.printf("  %s  #%-4d %s  %-9s %8.1f KB  %s%n", e.id(), e.sequence(), e.time().toString()
                        .substring(0, 19), e.method(), e.bytes() / 1024.0, requests(e));
            }
            return 0;
        }
    }

    /** {@code amend ledger show ID}. */
    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "One kept edit: method, hyperparameters, context templates, scores, deltas' sizes.")
    static final class Show extends OnLedger {
        @Parameters(paramLabel = "ID", description = "The edit's id (from `amend ledger list`).")
        String id;

        @Override
        int run(EditLedger ledger) {
            LedgerEntry e = ledger.entry(id).orElseThrow(() -> new InvalidRequestException("no kept edit with id \""
                    + id + "\" for " + ledger.model().name() + ": see `amend ledger list`"));
            Map<String, Object> d = e.describe();
            if (json) {
                System.out.println(Json.of(d));
                return 0;
            }
            d.forEach((k, v) -> System.out.printf("%-18s %s%n", k, v));
            return 0;
        }
    }

    /** {@code amend ledger rollback ID...}. */
    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Remove kept edits (anywhere in the history); the weights are recomputed from the base.")
    static final class Rollback extends OnLedger {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "Ids of the edits to remove.")
        List<String> ids;

        @Override
        int run(EditLedger ledger) {
            RollbackResult r = ledger.rollback(ids);
            if (json) {
                System.out.println(Json.of(r));
                return 0;
            }
            System.out.printf("rolled back %s; %d edit(s) left%n", String.join(", ", r.removed()), r.remaining());
            if (r.recomputedFromBase()) {
                System.out.printf("  restored %s from the base and re-applied %d later edit(s) in order%n",
                        String.join(", ", r.restoredWeights()), r.reapplied().size());
            }
            if (r.warning() != null) {
                System.out.println("  warning: " + r.warning());
            }
            return 0;
        }
    }

    /** {@code amend ledger export [ID...] --out FILE}. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write kept edits (all when no id is given) as a patch file for another host with the same base model.")
    static final class Export extends OnLedger {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "Ids of the edits (default: all).")
        List<String> ids = new ArrayList<>();

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "The patch file to write.")
        Path out;

        @Override
        int run(EditLedger ledger) throws Exception {
            Path tmp = out.toAbsolutePath().resolveSibling(out.getFileName() + ".tmp");
            try (OutputStream o = Files.newOutputStream(tmp)) {
                ledger.exportPatch(ids, o);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            int n = ids.isEmpty() ? ledger.entries().size() : ids.size();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("patch", out.toString());
                o.put("edits", n);
                o.put("bytes", Files.size(out));
                System.out.println(Json.of(o));
            } else {
                System.out.printf("wrote %d edit(s) of %s to %s (%d bytes)%n", n, ledger.model().name(), out,
                        Files.size(out));
            }
            return 0;
        }
    }

    /** {@code amend ledger import FILE}. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Record and apply the edits of a patch file made for the same base model.")
    static final class Import extends OnLedger {
        @Parameters(paramLabel = "FILE", description = "The patch file.")
        Path patch;

        @Override
        int run(EditLedger ledger) throws Exception {
            if (!Files.isRegularFile(patch)) {
                throw new InvalidRequestException("no patch file at " + patch);
            }
            List<LedgerEntry> added;
            try (InputStream in = Files.newInputStream(patch)) {
                added = ledger.importPatch(in);
            }
            if (json) {
                System.out.println(Json.of(added.stream().map(LedgerEntry::describe).toList()));
            } else {
                System.out.printf("imported %d edit(s) into the ledger of %s%n", added.size(), ledger.model().name());
                for (LedgerEntry e : added) {
                    System.out.printf("  %s  %s  %s%n", e.id(), e.method(), requests(e));
                }
            }
            return 0;
        }
    }

}

package dev.amend.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The sections {@code ./amend bench suite} regenerates, each a table of {@code docs/results.md} with the CLI commands
 * that measure its rows. Reported figures come from the held-out split with seeds {@value #SEEDS}, which tuning never
 * used; tuning runs on the validation split with seed {@value #TUNING_SEED}.
 */
final class SuiteSections {
    /** The seeds of the reported figures (never used in tuning). */
    static final String SEEDS = "11,12,13";
    /** The seed of the sequential and long-form rows (one draw; never used in tuning). */
    static final String SEED = "11";
    /** The seed of the tuning rows. */
    static final String TUNING_SEED = "1";
    /** Edits per draw of the CounterFact rows. */
    static final String EDITS = "50";
    /** Where the long-form benchmark files are, relative to the repository root. */
    static final String BENCHMARKS = "../shared/benchmarks/";
    /** The hyperparameter files of the tuning grid, relative to the repository root. */
    static final String TUNING = "docs/tuning/";

    private SuiteSections() {
    }

    /** Returns every section, in document order. */
    static List<SuiteSection> all() {
        List<SuiteSection> out = new ArrayList<>();
        out.add(counterfact());
        out.add(tuning());
        out.add(sequential());
        out.add(longform());
        out.add(SuiteLayerTables.section());
        out.add(SuiteLifelongTables.section());
        out.add(single("facts", "The demo model's recall", SuiteTables::keyValues,
                "Greedy completion of every fact of the demo corpus in its training and held-out templates"
                        + " (`bench facts`; all 2,236 facts, no sampling).", "bench", "facts", "--json"));
        out.add(single("forward", "Forward speed", SuiteTables::forward,
                "Prefill and decode throughput of randomly initialised models beside a fp32 1024×1024 matmul measured in"
                        + " the same run (`bench forward`, defaults: 512 prefill tokens, 64 decode steps, median of 3)."
                        + " The matmul rate varies between runs: compare the ratios.", "bench", "forward", "--json"));
        out.add(single("editing", "Where an edit's time goes", SuiteTables::keyValues,
                "`bench editing` (defaults: ROME, MEMIT and AlphaEdit with their demo profiles, statistics over 100,000"
                        + " tokens): statistics uncached and cached beside plain prefill, the value optimisation with and"
                        + " without reusing the layers below the edit, and each method's time per edit.",
                "bench", "editing", "--json"));
        out.add(single("linalg", "Linear algebra", SuiteScaleTables::linalg,
                "`bench linalg` on the CPU (its defaults: orders 1,024, 2,048, 4,096 and 6,400, the MLP widths of the"
                        + " demo model up to GPT-2 XL): MEMIT's float64 SPD solve and AlphaEdit's null-space projector on"
                        + " the Java path and on the torch path (PyTorch), each beside an n×n float64 matmul of the same"
                        + " path as the yardstick. The editors take the torch path where this table shows it faster.",
                "bench", "linalg", "--json"));
        out.add(scale());
        return out;
    }

    private static SuiteSection scale() {
        List<SuiteSection.Row> rows = new ArrayList<>();
        rows.add(new SuiteSection.Row("gpt2-xl-float32", "gpt2-xl float32", List.of("bench", "scale", "--shape",
                "gpt2-xl", "--dtype", "float32", "--json")));
        rows.add(new SuiteSection.Row("gpt2-xl-bfloat16", "gpt2-xl bfloat16", List.of("bench", "scale", "--shape",
                "gpt2-xl", "--dtype", "bfloat16", "--methods", "memit", "--json")));
        for (String dtype : List.of("float32", "bfloat16")) {
            rows.add(new SuiteSection.Row("llama3-8b-" + dtype, "llama3-8b " + dtype, List.of("bench", "scale",
                    "--shape", "llama3-8b", "--dtype", dtype, "--methods=", "--json")));
        }
        return new SuiteSection("scale", "Resident precision and size",
                "`bench scale` on the CPU: randomly initialised models of published shapes, cut to the blocks up to"
                        + " their usual edit layers (GPT-2 XL: 18 of 48 blocks, ROME at 17, MEMIT and AlphaEdit at"
                        + " 13-17; Llama-3-8B: 9 of 32 blocks), resident in float32 and in bfloat16; prefill of 128"
                        + " tokens, 16 greedy decode steps, statistics over twice the MLP width in tokens (the covariance"
                        + " then has full rank). In bfloat16 only MEMIT is timed: PyTorch's bfloat16 kernels on this"
                        + " CPU run well below its float32 ones, so that row shows memory more than speed. Llama-3-8B rows measure memory and speed only: its statistics over"
                        + " 28,672 tokens and its 14,336-wide projectors are work for a GPU node (`scripts/gpu-check`).",
                rows, SuiteScaleTables::scale);
    }

    private static SuiteSection counterfact() {
        List<SuiteSection.Row> rows = new ArrayList<>();
        for (String m : List.of("none", "rome", "memit", "alphaedit", "mend")) {
            rows.add(new SuiteSection.Row(m, m, List.of("bench", "counterfact", "--method", m, "--split", "heldout",
                    "--edits", EDITS, "--seeds", SEEDS, "--json")));
        }
        return new SuiteSection("counterfact", "CounterFact on held-out facts: the headline",
                "Each method with its demo profile (tuned on the validation split, [below](#tuning-on-the-validation-"
                        + "split)) rewrites " + EDITS + " facts of the held-out split (bucket 0 of the demo corpus: 252"
                        + " facts, 197 subjects, never used for tuning or for MEND's training), drawn anew for each of the"
                        + " seeds " + SEEDS + " (seeds tuning never used); `none` is the unedited model on the same draws."
                        + " ROME and MEND edit one fact at a time on the unedited model, MEMIT and AlphaEdit all "
                        + EDITS + " in one call. Each cell is the mean over the 3 seeds ± the sample standard deviation"
                        + " over them; each seed's figure is the mean over its " + EDITS + " edits. Teacher-forced:"
                        + " CounterFact probability comparison and EasyEdit token accuracy; generation-based:"
                        + " `generation-match` (greedy generation from the prompt, normalised whole-word prefix match)."
                        + " Seconds per edit are the editor's compute time, scoring excluded.",
                rows, SuiteTables::counterfact);
    }

    private static SuiteSection tuning() {
        List<SuiteSection.Row> rows = new ArrayList<>();
        tuningRows(rows, "none", List.of(""));
        tuningRows(rows, "rome", List.of("", "rome-clamp8", "rome-clamp4", "rome-plain-clamp12", "rome-plain-clamp8",
                "rome-plain-clamp4", "rome-kl-reference", "rome-rrome", "rome-published"));
        tuningRows(rows, "memit", List.of("", "memit-passes-1", "memit-passes-8", "memit-plain"));
        tuningRows(rows, "alphaedit", List.of("", "alphaedit-t002", "alphaedit-passes-3"));
        for (String w : List.of("none", "", "anyedit-window-4", "anyedit-window-16")) {
            List<String> args = new ArrayList<>(List.of("bench", "longform", "--data", BENCHMARKS + "unke-dev.json",
                    "--method", w.equals("none") ? "none" : "anyedit+memit", "--split", "validation", "--seed", TUNING_SEED,
                    "--max-target-tokens", "32", "--no-similarity"));
            List<String> needs = new ArrayList<>(List.of(BENCHMARKS + "unke-dev.json"));
            if (w.startsWith("anyedit")) {
                args.addAll(List.of("--hparams", TUNING + w + ".json"));
                needs.add(TUNING + w + ".json");
            }
            String name = w.isEmpty() ? "anyedit-profile" : w.equals("none") ? "longform-none" : w;
            args.addAll(List.of("--out", "target/bench-suite/tuning-" + name + ".jsonl", "--json"));
            rows.add(new SuiteSection.Row(name, name, args, needs));
        }
        return new SuiteSection("tuning", "Tuning on the validation split",
                "The grid the demo profiles were chosen on: the validation split only (bucket 1 of the demo corpus: 222"
                        + " facts, 184 subjects), one draw of " + EDITS + " edits with seed " + TUNING_SEED + " (a small"
                        + " sample, sized to 2 cores: a difference of a few points is within the noise of one draw);"
                        + " AnyEdit's window on the 12 validation items of UnKEBench (targets cut to 32 tokens)."
                        + " `--hparams` files are plain overrides of the demo profile, in `docs/tuning/`; `none` is the"
                        + " unedited model on the same draw and items.",
                rows, SuiteTables::tuning);
    }

    private static void tuningRows(List<SuiteSection.Row> rows, String method, List<String> files) {
        for (String f : files) {
            List<String> args = new ArrayList<>(List.of("bench", "counterfact", "--method", method, "--split",
                    "validation", "--edits", EDITS, "--seed", TUNING_SEED));
            if (!f.isEmpty()) {
                args.addAll(List.of("--hparams", TUNING + f + ".json"));
            }
            args.add("--json");
            String name = method.equals("none") ? "none" : f.isEmpty() ? method + "-profile" : f;
            rows.add(new SuiteSection.Row(name, name, args,
                    f.isEmpty() ? List.of() : List.of(TUNING + f + ".json")));
        }
    }

    private static SuiteSection sequential() {
        List<SuiteSection.Row> rows = new ArrayList<>();
        for (String m : List.of("none", "memit", "alphaedit")) {
            rows.add(new SuiteSection.Row(m, m, List.of("bench", "counterfact", "--method", m, "--split", "heldout",
                    "--edits", "100", "--seed", SEED, "--sequential", "--batch-size", "10", "--checkpoint-every", "25",
                    "--json")));
        }
        return new SuiteSection("sequential", "Sequential editing on held-out facts",
                "100 edits of the held-out split (seed " + SEED + ", one draw), applied in batches of 10 that accumulate"
                        + " (each batch computed with the earlier ones in the model and, for AlphaEdit, in its key history);"
                        + " after every 25 edits the CounterFact figures over all edits so far, and the efficacy of the last"
                        + " 25 edits alone. Demo profiles; `none` is the unedited model.",
                rows, SuiteTables::sequential);
    }

    private static SuiteSection longform() {
        List<SuiteSection.Row> rows = new ArrayList<>();
        longformRows(rows, "unke", List.of("none", "memit", "anyedit+memit", "alphaedit", "anyedit+alphaedit"));
        longformRows(rows, "mquake-cf", List.of("none", "memit", "anyedit+memit"));
        longformRows(rows, "editevery", List.of("none", "memit", "anyedit+memit"));
        return new SuiteSection("longform", "Long-form editing on held-out items",
                "The held-out items of the development subsets in `../shared/benchmarks/` (by SHA-256 of the item id,"
                        + " MQuAKE-CF's case id: UnKEBench 11 items, MQuAKE-CF 12 cases with 16 rewrites, EditEverything"
                        + " 9 items), each edited alone (a MQuAKE-CF case's rewrites together), targets cut to 32 tokens"
                        + " at a word boundary to bound CPU time, seed " + SEED + ". Generation from the question is scored"
                        + " against the (cut) target; the short questions are judged by normalised answer match.",
                rows, SuiteTables::longform);
    }

    private static void longformRows(List<SuiteSection.Row> rows, String set, List<String> methods) {
        String file = BENCHMARKS + set + "-dev.json";
        for (String m : methods) {
            String name = set + "/" + m;
            rows.add(new SuiteSection.Row(name, m, List.of("bench", "longform", "--data", file, "--method", m,
                    "--split", "heldout", "--seed", SEED, "--max-target-tokens", "32",
                    "--out", "target/bench-suite/longform-" + set + "-" + m.replace('+', '_') + ".jsonl", "--json"),
                    List.of(file)));
        }
    }

    private static SuiteSection single(String name, String title, SuiteSection.Renderer renderer, String about,
                                       String... args) {
        return new SuiteSection(name, title, about, List.of(new SuiteSection.Row(name, name, List.of(args))), renderer);
    }
}

package dev.amend.cli;

import dev.amend.runtime.ledger.EditLedger;
import dev.amend.runtime.model.Transformer;
import dev.amend.spi.model.GenerationRequest;
import dev.amend.spi.model.GenerationResult;
import dev.amend.spi.model.Sampling;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code amend generate}: continue a prompt greedily or with seeded sampling. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Continue a prompt.")
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, description = "Text to continue.")
    String prompt;

    @Option(names = "--max-new-tokens", defaultValue = "32", description = "Tokens to add at most (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 for greedy (default), otherwise sample.")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Sample from the k most likely tokens (0 = all).")
    int topK;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for sampling.")
    long seed;

    @Option(names = "--json", description = "Print one JSON object with prompt_ids, generated_ids and text.")
    boolean json;

    @Mixin
    DataDirOptions dataDirOptions;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        try (Transformer model = modelOptions.load(); EditLedger ledger = dataDirOptions.openOrNull(model)) {
            long t1 = System.nanoTime();
            int[] ids = model.tokenizer().encode(prompt, true);
            GenerationResult r = model.generate(new GenerationRequest(ids, maxNewTokens,
                    new Sampling(temperature, topK, seed), true));
            long t2 = System.nanoTime();
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_ids", r.promptIds());
                o.put("generated_ids", r.generatedIds());
                o.put("text", r.text());
                System.out.println(Json.of(o));
            } else {
                System.out.println(prompt + r.text());
                System.err.printf("[%s%s: loaded in %.2f s, %d tokens in %.2f s]%n", model.name(),
                        ledger == null ? "" : " with " + ledger.entries().size() + " kept edit(s)", (t1 - t0) / 1e9,
                        r.generatedIds().length, (t2 - t1) / 1e9);
            }
        }
        return 0;
    }
}

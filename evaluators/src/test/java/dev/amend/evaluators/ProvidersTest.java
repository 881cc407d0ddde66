package dev.amend.evaluators;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.amend.spi.EvaluatorProvider;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** ServiceLoader finds the five evaluators, each with its own name and protocol. */
class ProvidersTest {
    @Test
    void serviceLoaderFindsFiveEvaluatorsWithDistinctNamesAndProtocols() {
        List<EvaluatorProvider> providers = ServiceLoader.load(EvaluatorProvider.class).stream()
                .map(ServiceLoader.Provider::get).toList();
        Map<String, String> protocolByName = providers.stream()
                .collect(Collectors.toMap(EvaluatorProvider::name, EvaluatorProvider::protocol));
        assertEquals(Map.of("counterfact", "counterfact-probability", "counterfact-exact", "counterfact-exact-match",
                "easyedit", "easyedit-token-accuracy", "fluency", "ngram-entropy", "generation-match", "generation-match"), protocolByName);
        Set<String> protocols = new HashSet<>(protocolByName.values());
        assertEquals(5, protocols.size());
        for (EvaluatorProvider p : providers) {
            assertEquals(p.protocol(), p.create().protocol(), p.name());
            assertEquals("1.0.0", p.version());
        }
    }
}

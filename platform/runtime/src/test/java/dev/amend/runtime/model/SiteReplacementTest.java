package dev.amend.runtime.model;

import static dev.amend.runtime.model.TransformerMechanicsTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.amend.spi.InvalidRequestException;
import dev.amend.spi.model.ForwardRequest;
import dev.amend.spi.model.ForwardResult;
import dev.amend.spi.model.Intervention;
import dev.amend.spi.model.Site;
import dev.amend.spi.model.SiteReplacement;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The attention-output site and replacements of states at sites, against plain forward passes. */
class SiteReplacementTest {
    private static final Transformer GPT2 = TinyModels.random(TinyModels.gpt2(), 11);
    private static final Transformer LLAMA = TinyModels.random(TinyModels.llama(), 12);
    private static final int[] A = {3, 17, 42, 5, 9, 11};
    private static final int[] B = {8, 1, 33, 50, 21, 7};

    static Stream<String> models() {
        return Stream.of("gpt2", "llama");
    }

    private static Transformer model(String name) {
        return name.equals("gpt2") ? GPT2 : LLAMA;
    }

    @AfterAll
    static void close() {
        GPT2.close();
        LLAMA.close();
    }

    @ParameterizedTest
    @MethodSource("models")
    void aBlockOutputIsItsInputPlusTheAttentionAndMlpOutputs(String name) {
        Transformer m = model(name);
        try (ForwardResult r = m.forward(ForwardRequest.builder(List.of(A)).capture(1, Site.LAYER_INPUT)
                .capture(1, Site.ATTENTION_OUTPUT).capture(1, Site.MLP_OUTPUT).capture(1, Site.LAYER_OUTPUT).build())) {
            NDArray sum = r.capture(1, Site.LAYER_INPUT).add(r.capture(1, Site.ATTENTION_OUTPUT))
                    .add(r.capture(1, Site.MLP_OUTPUT));
            assertClose(r.capture(1, Site.LAYER_OUTPUT).toFloatArray(), sum.toFloatArray(), 1e-5);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void replacingEveryStateOfOneSequenceWithAnothersGivesTheOthersLogits(String name) {
        Transformer m = model(name);
        for (Site site : List.of(Site.LAYER_OUTPUT, Site.LAYER_INPUT)) {
            try (NDManager nd = m.manager().newSubManager();
                 ForwardResult clean = m.forward(ForwardRequest.builder(List.of(A)).capture(1, site).build())) {
                NDArray mask = nd.create(new float[] {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1}, new Shape(2, 6));
                try (ForwardResult r = m.forward(ForwardRequest.builder(List.of(A, B))
                        .replace(new SiteReplacement(1, site, mask, clean.capture(1, site))).build())) {
                    float[] first = r.logits().get(0).toFloatArray();
                    float[] second = r.logits().get(1).toFloatArray();
                    assertClose(clean.logits().get(0).toFloatArray(), first, 1e-5);
                    assertClose(first, second, 1e-4);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void replacingOneStateEqualsAddingTheDifferenceThere(String name) {
        Transformer m = model(name);
        for (Site site : List.of(Site.ATTENTION_OUTPUT, Site.MLP_OUTPUT)) {
            try (NDManager nd = m.manager().newSubManager();
                 ForwardResult a = m.forward(ForwardRequest.builder(List.of(A)).capture(2, site).build());
                 ForwardResult b = m.forward(ForwardRequest.builder(List.of(B)).capture(2, site).build())) {
                NDArray wanted = a.capture(2, site).get(0).get(3);
                NDArray difference = wanted.sub(b.capture(2, site).get(0).get(3));
                float[] mask = new float[6];
                mask[3] = 1;
                float[] replaced;
                float[] added;
                try (ForwardResult r = m.forward(ForwardRequest.builder(List.of(B)).capture(2, site)
                        .replace(new SiteReplacement(2, site, nd.create(mask, new Shape(1, 6)), a.capture(2, site)))
                        .build())) {
                    replaced = r.logits().toFloatArray();
                    assertClose(wanted.toFloatArray(), r.capture(2, site).get(new NDIndex("0, 3")).toFloatArray(), 0);
                }
                try (ForwardResult r = m.forward(ForwardRequest.builder(List.of(B))
                        .intervene(new Intervention(2, site, 0, 3, difference)).build())) {
                    added = r.logits().toFloatArray();
                }
                assertClose(added, replaced, 1e-4);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void aReplacementOfTheWrongShapeIsRefusedWithAClearMessage(String name) {
        Transformer m = model(name);
        try (NDManager nd = m.manager().newSubManager()) {
            SiteReplacement bad = new SiteReplacement(0, Site.MLP_OUTPUT, nd.ones(new Shape(1, 5)),
                    nd.zeros(new Shape(1, 6, 32)));
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> m.forward(ForwardRequest.builder(List.of(A)).replace(bad).build()).close());
            assertTrue(e.getMessage().contains("mask of shape"), e.getMessage());
        }
    }
}

package dev.amend.fuzz;

import dev.amend.it.HostProcess;
import dev.amend.server.grpc.v1.AmendGrpc;
import dev.amend.server.grpc.v1.EditRequest;
import dev.amend.server.grpc.v1.FactRequest;
import dev.amend.server.grpc.v1.GenerateRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;

/**
 * Generated gRPC messages against the packaged host: Generate with any prompt, budget, temperature (NaN and
 * infinities too), top-k and seed; Edit with random fields and always one defect. No call ends INTERNAL, UNKNOWN,
 * DATA_LOSS or past its deadline, and the weights keep their base hash.
 */
class GrpcFuzz {
    /** Statuses no input may cause: a crash, a hang, or damage. */
    private static final Set<Status.Code> FAILURES = EnumSet.of(Status.Code.INTERNAL, Status.Code.UNKNOWN,
            Status.Code.DATA_LOSS, Status.Code.DEADLINE_EXCEEDED, Status.Code.UNIMPLEMENTED);
    private final FuzzedHost host = FuzzedHost.get();
    private static ManagedChannel channel;

    private static synchronized AmendGrpc.AmendBlockingStub stub(FuzzedHost host) {
        if (channel == null) {
            channel = ManagedChannelBuilder.forAddress("localhost", host.process.port()).usePlaintext()
                    .maxInboundMessageSize(32 << 20).build();
        }
        Metadata token = new Metadata();
        token.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + HostProcess.TOKEN);
        return AmendGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(token))
                .withDeadlineAfter(FuzzedHost.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @AfterProperty
    void weightsUnchanged() throws IOException, InterruptedException {
        WeightsCheck.unchanged(host);
    }

    @AfterContainer
    static void report() {
        if (channel != null) {
            channel.shutdownNow();
        }
        FuzzInputs.print("the gRPC messages");
    }

    @Provide
    Arbitrary<GenerateRequest> generations() {
        Arbitrary<Double> temperatures = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.just(0.0)),
                net.jqwik.api.Tuple.of(2, Arbitraries.doubles().between(-5, 200)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY,
                        Double.NEGATIVE_INFINITY, Double.MAX_VALUE, Double.MIN_VALUE, -0.0)));
        Arbitrary<Integer> tokens = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 3)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers()));
        return Combinators.combine(Arbitraries.of("demo", "demo", "", "nosuch"), JsonValues.strings(), tokens,
                temperatures, Arbitraries.integers(), Arbitraries.longs())
                .as((model, prompt, max, t, k, seed) -> GenerateRequest.newBuilder().setModel(model)
                        .setPrompt(prompt).setMaxNewTokens(max).setTemperature(t).setTopK(k).setSeed(seed).build());
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.BOUNDED)
    void generateNeverFails(@ForAll("generations") GenerateRequest request) {
        FuzzInputs.count("gRPC Generate messages");
        call(() -> stub(host).generate(request), request.toString());
    }

    @Provide
    Arbitrary<EditRequest> edits() {
        return Combinators.combine(EditBodies.invalid(host.methods), Arbitraries.of("demo", "demo", "nosuch", ""),
                Arbitraries.of(true, false), Arbitraries.strings().ofMaxLength(220), Arbitraries.longs(), defects())
                .as((body, model, noEvaluation, requestId, seed, defect) -> {
                    EditRequest.Builder b = EditRequest.newBuilder().setModel(model).setSeed(seed)
                            .setMethod(String.valueOf(body.get("method"))).setNoEvaluation(noEvaluation)
                            .setRequestId(requestId).setHparamsJson(RestFuzz.json(body.get("hparams")));
                    if (body.get("requests") instanceof java.util.List<?> l) {
                        for (Object o : l) {
                            b.addRequests(fact(o));
                        }
                    }
                    if (body.get("evaluators") instanceof java.util.List<?> l) {
                        l.forEach(e -> b.addEvaluators(String.valueOf(e)));
                    }
                    if (!noEvaluation && b.getEvaluatorsCount() == 0) {
                        b.setNoEvaluation(true);
                    }
                    return defect.apply(b).build();
                });
    }

    /** Returns one change that makes any gRPC edit request invalid, whatever else it holds. */
    static Arbitrary<java.util.function.UnaryOperator<EditRequest.Builder>> defects() {
        FactRequest blankTarget = FactRequest.newBuilder().setPrompt("The capital of {} is").setSubject("France")
                .setTarget("  ").build();
        return Arbitraries.of(
                b -> b.setModel("nosuch"),
                b -> b.setMethod("zz-no-such-method"),
                b -> b.setHparamsJson("{not json"),
                b -> b.setHparamsJson("{\"zz_unknown_key\": 1}"),
                b -> b.setHparamsJson("[1, 2]"),
                b -> b.clearRequests(),
                b -> b.clearRequests().addRequests(blankTarget),
                b -> b.setRequestId("has a space"),
                b -> b.setRequestId("x".repeat(201)),
                b -> b.setNoEvaluation(false).addEvaluators("zz-no-such-evaluator"));
    }

    private static FactRequest fact(Object o) {
        FactRequest.Builder f = FactRequest.newBuilder();
        if (o instanceof Map<?, ?> m) {
            f.setPrompt(String.valueOf(m.get("prompt"))).setSubject(String.valueOf(m.get("subject")))
                    .setTarget(String.valueOf(m.get("target")));
            if (m.get("paraphrases") instanceof java.util.List<?> p) {
                p.forEach(x -> f.addParaphrases(String.valueOf(x)));
            }
        }
        return f.build();
    }

    @Property(tries = 1000, shrinking = ShrinkingMode.BOUNDED)
    void invalidEditsAreRefused(@ForAll("edits") EditRequest request) {
        FuzzInputs.count("gRPC Edit messages");
        boolean refused = call(() -> stub(host).edit(request), request.toString());
        if (!refused) {
            throw new AssertionError("an invalid edit was accepted: " + Answers.abbreviated(request.toString()));
        }
    }

    /** Returns true when the call was refused with an acceptable status, false when it succeeded; throws otherwise. */
    private static boolean call(Runnable call, String sent) {
        try {
            call.run();
            return false;
        } catch (StatusRuntimeException e) {
            if (FAILURES.contains(e.getStatus().getCode())) {
                throw new AssertionError(e.getStatus() + " for " + Answers.abbreviated(sent), e);
            }
            return true;
        }
    }
}

package dev.amend.server.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/** The JSON bodies of the REST API (field names are part of the public contract). */
public final class ApiTypes {
    private ApiTypes() {
    }

    /** A JSON error: a short code and a sentence saying what to fix. */
    public record ErrorBody(String error, String message) {
    }

    /** A model in a listing. */
    public record ModelSummary(String name, String family, long parameters, int edits) {
    }

    /** The MLP output projection of one block. */
    public record EditPointView(int layer, String weight, int inFeatures, int outFeatures) {
    }

    /** A model in detail. */
    public record ModelDescription(String name, String family, int layers, int hiddenSize, int intermediateSize,
                                   int vocabSize, int maxContext, long parameters, String dtype,
                                   List<EditPointView> editPoints, String baseHash, String weightsHash, int edits,
                                   String source, boolean editsIsolated, String ledger) {
    }

    /**
     * A text to continue: greedy unless {@code temperature} > 0 (then seeded top-k sampling). Sizes and ranges are
     * checked against the host's generation limits (the same for gRPC), not here.
     */
    public record GenerateBody(
            @NotBlank(message = "give a non-empty prompt") String prompt,
            Integer maxNewTokens,
            Double temperature,
            Integer topK,
            Long seed) {
    }

    /**
     * A continuation; {@code stopReason} says why it ended ({@code max_new_tokens}, {@code end_of_text} or
     * {@code context_end}) and {@code note} says it in words when it stopped short at the end of the model's context.
     */
    public record GenerateAnswer(String text, int[] promptIds, int[] generatedIds, String stopReason, String note) {
    }

    /** One fact to write (text sizes are checked against the edit limits, the same for gRPC). */
    public record FactBody(
            @NotNull(message = "each request needs a prompt") String prompt,
            @NotBlank(message = "each request needs a subject") String subject,
            @NotBlank(message = "each request needs a non-empty target") String target,
            List<String> paraphrases,
            Map<String, String> neighbourhood) {
    }

    /** An edit to make on the model in the path. */
    public record EditBody(
            @NotBlank(message = "name the method, e.g. \"rome\" (GET /api/v1/methods lists them)") String method,
            @NotEmpty(message = "give at least one request {\"prompt\", \"subject\", \"target\"}") List<@Valid @NotNull FactBody> requests,
            Map<String, Object> hparams,
            List<String> evaluators,
            Long seed) {
    }

    /** An edit job to start. */
    public record JobBody(
            @NotBlank(message = "name the model, e.g. \"demo\"") String model,
            @NotBlank(message = "name the method, e.g. \"rome\" (GET /api/v1/methods lists them)") String method,
            @NotEmpty(message = "give at least one request {\"prompt\", \"subject\", \"target\"}") List<@Valid @NotNull FactBody> requests,
            Map<String, Object> hparams,
            List<String> evaluators,
            Long seed) {
    }

    /** A score with its protocol. */
    public record ScoreView(String metric, String protocol, double value, int count) {
    }

    /** A request as recorded. */
    public record RequestView(String prompt, String subject, String target, List<String> paraphrases) {
    }

    /** Size of one weight change. */
    public record DeltaView(String weight, String kind, int rows, int cols, int rank, long storedFloats,
                            double frobeniusNorm) {
    }

    /**
     * An applied edit; {@code warnings} and {@code non_finite_steps} are what the editor recorded in the edit's
     * metadata for the caller (e.g. a corpus smaller than mom2_n_samples asked for, with how many texts were used).
     */
    public record EditView(String id, String method, String methodVersion, List<RequestView> requests,
                           Map<String, Object> hyperparameters, List<String> contextTemplates, List<DeltaView> deltas,
                           List<ScoreView> scores, List<String> before, List<String> after, String recordedAt,
                           Map<String, Object> info, List<AdapterView> adapters, List<String> warnings,
                           @JsonProperty("non_finite_steps") int nonFiniteSteps) {
    }

    /** One module an edit adds to the forward pass: its id, kind, the block it acts at and the floats it stores. */
    public record AdapterView(String id, String kind, int layer, long storedFloats) {
    }

    /**
     * The answer to an edit: 201 with the id, the answers before and after, and the scores; {@code replayed} is true
     * when this is the result of an earlier request with the same {@code Idempotency-Key} (absent otherwise);
     * {@code warnings} and {@code non_finite_steps} are the editor's notes on the edit (as in {@link EditView}).
     */
    public record EditAnswer(String id, List<String> before, List<String> after, List<ScoreView> scores,
                             List<String> ignoredHparams, EditView edit, Boolean replayed, List<String> warnings,
                             @JsonProperty("non_finite_steps") int nonFiniteSteps) {
    }

    /**
     * What a patch import did, answered with {@code ?report=true}: the edits it {@code added}, the ids (as exported)
     * of the patch's edits it {@code skipped} because the history held them already, and a {@code message} saying so
     * (null when nothing was skipped).
     */
    public record PatchImportAnswer(List<EditView> added, List<String> skipped, String message) {
    }

    /**
     * What a rollback did: the edits removed; {@code recomputedFromBase} (also as {@code recomputed}) when the touched
     * weights were restored from their base values and the remaining edits' deltas re-applied in order, so the
     * weights equal base + the remaining edits exactly; {@code computedOnTopOfRemoved}: remaining edits that were
     * computed on a model containing a removed edit (kept as they were; {@code warning} says so); a {@code note}
     * saying all this in words; and the weights' hash after it.
     */
    public record RollbackAnswer(List<String> rolledBack, boolean recomputed, String note, String weightsHash,
                                 boolean recomputedFromBase, List<String> restoredWeights, List<String> reapplied,
                                 List<String> computedOnTopOfRemoved, String warning, int remaining) {
    }

    /** An edit job. */
    public record JobView(String id, String model, String method, String state, String stage, long done, long total,
                          EditAnswer result, String error, String errorKind, String createdAt, String finishedAt) {
    }

    /** One hyperparameter with its default. */
    public record HyperparameterView(String name, String type, Object defaultValue) {
    }

    /** An installed editing method; {@code origin} is {@code classpath} or {@code plugin:<jar file>}. */
    public record MethodView(String name, String version, String description, String defaultsFor,
                             List<HyperparameterView> hyperparameters, String origin) {
    }

    /** An installed evaluator; {@code origin} is {@code classpath} or {@code plugin:<jar file>}. */
    public record EvaluatorView(String name, String version, String protocol, String origin) {
    }

    /** A method a plugin jar provides. */
    public record ProvidedView(String name, String version) {
    }

    /**
     * A jar in the plugins directory: {@code LOADED} (its methods are served) or {@code FAILED} with the
     * {@code reason}; {@code RETIRED} for a replaced or removed jar still held by running edits;
     * {@code adapterKinds}: the kinds of modules its edits add to the forward pass (name, version).
     */
    public record PluginView(String file, String status, String reason, List<ProvidedView> editors,
                             List<ProvidedView> evaluators, String loadedAt, long size, String sha256, int leases,
                             List<ProvidedView> adapterKinds) {
    }

    /** The plugins directory and its jars. */
    public record PluginsAnswer(String directory, List<PluginView> plugins, List<PluginView> retired) {
    }

    /** The installed methods and evaluators. */
    public record MethodsAnswer(List<MethodView> editors, List<EvaluatorView> evaluators) {
    }

    /** A causal trace to run on the model in the path; unset numbers take ROME's settings. */
    public record TraceBody(
            @NotNull(message = "give the prompt, with {} where the subject goes") @Size(max = 4000, message = "the prompt is over 4000 characters") String prompt,
            @NotBlank(message = "give the subject whose embeddings are corrupted") @Size(max = 1000, message = "the subject is over 1000 characters") String subject,
            @Size(max = 1000, message = "the target is over 1000 characters") String target,
            @Min(value = 1, message = "samples must be >= 1") @Max(value = 100, message = "samples must be <= 100") Integer samples,
            @DecimalMin(value = "0", inclusive = false, message = "noise must be > 0") @DecimalMax(value = "100", message = "noise must be <= 100") Double noise,
            @Min(value = 0, message = "window must be >= 0 (0: chosen by the model's depth)") Integer window,
            Long seed) {
    }

    /**
     * A finished trace: indirect effects [layer][token] of restoring the residual stream, the MLP outputs and the
     * attention outputs; {@code images} gives the paths of the PNG heatmaps.
     */
    public record TraceView(String prompt, List<String> tokens, int[] subjectRange, int layers, String answer,
                            double[][] residual, double[][] mlp, double[][] attention, double cleanProbability,
                            double corruptedProbability, double noise, double noiseMultiplier, double embeddingStd,
                            long seed, int samples, int window, double seconds, Map<String, String> images) {
    }

    /** A trace job: its state and progress, and the trace when it has succeeded. */
    public record TraceJobView(String id, String model, String state, String stage, long done, long total,
                               TraceView result, String error, String errorKind, String createdAt, String finishedAt) {
    }
}

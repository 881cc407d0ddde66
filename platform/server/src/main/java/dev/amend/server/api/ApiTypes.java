package dev.amend.server.api;

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

    /** A text to continue: greedy unless {@code temperature} > 0 (then seeded top-k sampling). */
    public record GenerateBody(
            @NotBlank(message = "give a non-empty prompt") @Size(max = 20000, message = "the prompt is over 20000 characters") String prompt,
            @Min(value = 0, message = "maxNewTokens must be >= 0") @Max(value = 1024, message = "maxNewTokens must be <= 1024") Integer maxNewTokens,
            @DecimalMin(value = "0", message = "temperature must be >= 0") @DecimalMax(value = "100", message = "temperature must be <= 100") Double temperature,
            @Min(value = 0, message = "topK must be >= 0") Integer topK,
            Long seed) {
    }

    /** A continuation. */
    public record GenerateAnswer(String text, int[] promptIds, int[] generatedIds) {
    }

    /** One fact to write. */
    public record FactBody(
            @NotNull(message = "each request needs a prompt") @Size(max = 4000, message = "the prompt is over 4000 characters") String prompt,
            @NotBlank(message = "each request needs a subject") @Size(max = 1000, message = "the subject is over 1000 characters") String subject,
            @NotBlank(message = "each request needs a non-empty target") @Size(max = 4000, message = "the target is over 4000 characters") String target,
            List<String> paraphrases,
            Map<String, String> neighbourhood) {
    }

    /** An edit to make on the model in the path. */
    public record EditBody(
            @NotBlank(message = "name the method, e.g. \"rome\" (GET /api/v1/methods lists them)") String method,
            @NotEmpty(message = "give at least one request {\"prompt\", \"subject\", \"target\"}") @Size(max = 1000, message = "at most 1000 requests") List<@Valid @NotNull FactBody> requests,
            Map<String, Object> hparams,
            List<String> evaluators,
            Long seed) {
    }

    /** An edit job to start. */
    public record JobBody(
            @NotBlank(message = "name the model, e.g. \"demo\"") String model,
            @NotBlank(message = "name the method, e.g. \"rome\" (GET /api/v1/methods lists them)") String method,
            @NotEmpty(message = "give at least one request {\"prompt\", \"subject\", \"target\"}") @Size(max = 1000, message = "at most 1000 requests") List<@Valid @NotNull FactBody> requests,
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

    /** An applied edit. */
    public record EditView(String id, String method, String methodVersion, List<RequestView> requests,
                           Map<String, Object> hyperparameters, List<String> contextTemplates, List<DeltaView> deltas,
                           List<ScoreView> scores, List<String> before, List<String> after, String recordedAt,
                           Map<String, Object> info, List<AdapterView> adapters) {
    }

    /** One module an edit adds to the forward pass: its id, kind, the block it acts at and the floats it stores. */
    public record AdapterView(String id, String kind, int layer, long storedFloats) {
    }

    /** The answer to an edit: 201 with the id, the answers before and after, and the scores. */
    public record EditAnswer(String id, List<String> before, List<String> after, List<ScoreView> scores,
                             List<String> ignoredHparams, EditView edit) {
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
     * {@code reason}; {@code RETIRED} for a replaced or removed jar still held by running edits.
     */
    public record PluginView(String file, String status, String reason, List<ProvidedView> editors,
                             List<ProvidedView> evaluators, String loadedAt, long size, String sha256, int leases) {
    }

    /** The plugins directory and its jars. */
    public record PluginsAnswer(String directory, List<PluginView> plugins, List<PluginView> retired) {
    }

    /** The installed methods and evaluators. */
    public record MethodsAnswer(List<MethodView> editors, List<EvaluatorView> evaluators) {
    }
}

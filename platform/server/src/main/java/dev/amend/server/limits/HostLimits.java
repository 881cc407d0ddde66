package dev.amend.server.limits;

import dev.amend.runtime.editing.EditLimits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The host's request limits, read once from the configuration (every key is documented in docs/security.md): what one
 * edit and one generation may ask for, how many edits may wait per model, and how generations share the processor
 * with edits. REST and gRPC requests are checked against the same values. Message sizes are the framework's own
 * settings ({@code quarkus.http.limits.max-body-size}, {@code quarkus.grpc.server.max-inbound-message-size}).
 */
@ApplicationScoped
public class HostLimits {
    @ConfigProperty(name = "amend.edit.max-requests", defaultValue = "64")
    int maxRequests;

    @ConfigProperty(name = "amend.edit.max-target-tokens", defaultValue = "128")
    int maxTargetTokens;

    @ConfigProperty(name = "amend.edit.max-prompt-chars", defaultValue = "4000")
    int maxPromptChars;

    @ConfigProperty(name = "amend.edit.max-subject-chars", defaultValue = "1000")
    int maxSubjectChars;

    @ConfigProperty(name = "amend.edit.max-target-chars", defaultValue = "4000")
    int maxTargetChars;

    @ConfigProperty(name = "amend.edit.max-evaluation-prompts", defaultValue = "64")
    int maxEvaluationPrompts;

    @ConfigProperty(name = "amend.edit.max-queued", defaultValue = "8")
    int maxQueuedEdits;

    @ConfigProperty(name = "amend.generate.max-prompt-chars", defaultValue = "20000")
    int maxGenerationPromptChars;

    @ConfigProperty(name = "amend.generate.max-new-tokens", defaultValue = "1024")
    int maxNewTokens;

    @ConfigProperty(name = "amend.generate.max-temperature", defaultValue = "100")
    double maxTemperature;

    @Inject
    ComputeGate gate;

    /** Returns the limits every edit is checked against (the edit pipeline's one check). */
    public EditLimits edits() {
        return new EditLimits(maxRequests, maxTargetTokens, maxPromptChars, maxSubjectChars, maxTargetChars,
                maxEvaluationPrompts);
    }

    /** Returns the limits every generation is checked against. */
    public GenerationLimits generation() {
        return new GenerationLimits(maxGenerationPromptChars, maxNewTokens, maxTemperature);
    }

    /** Returns how many edits (running or waiting, jobs and synchronous ones) one model may have at once. */
    public int maxQueuedEdits() {
        return Math.max(1, maxQueuedEdits);
    }

    /** Returns the gate generations pass and edits hold back. */
    public ComputeGate gate() {
        return gate;
    }
}

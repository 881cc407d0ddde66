package dev.amend.fuzz;

import java.io.IOException;

/** The weights must stay at their base hash, with no edit applied, after any run of refused requests. */
final class WeightsCheck {
    private WeightsCheck() {
    }

    /** Throws when an edit is applied or the serving weights' hash differs from the base hash. */
    static void unchanged(FuzzedHost host) throws IOException, InterruptedException {
        String edits = host.get("/api/v1/models/demo/edits").body();
        if (!edits.strip().equals("[]")) {
            host.rollbackAll();
            throw new AssertionError("a refused request left an edit applied: " + Answers.abbreviated(edits));
        }
        String hash = host.weightsHash();
        if (!hash.equals(host.baseHash)) {
            throw new AssertionError("the weights changed: hash " + hash + ", base " + host.baseHash);
        }
    }
}

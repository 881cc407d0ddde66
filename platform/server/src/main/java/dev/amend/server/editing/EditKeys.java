package dev.amend.server.editing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.amend.runtime.editing.EditFact;
import dev.amend.runtime.editing.EditInfo;
import dev.amend.runtime.ledger.LedgerEntry;
import dev.amend.server.model.HostedModel;
import dev.amend.spi.InvalidRequestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Idempotency keys of edits ({@code Idempotency-Key} over REST, {@code request_id} over gRPC). An edit made with a key
 * records it in its ledger entry's info ({@code idempotency_key}) with a fingerprint of the request
 * ({@code request_fingerprint}), so a retry finds the first result in the ledger, across restarts too. A key is
 * 1 to 200 printable ASCII characters; it belongs to one model's history.
 */
public final class EditKeys {
    /** The info key of the idempotency key. */
    static final String KEY = "idempotency_key";
    /** The info key of the request's fingerprint. */
    static final String FINGERPRINT = "request_fingerprint";
    private static final int MAX_LENGTH = 200;
    private static final ObjectMapper CANONICAL = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private EditKeys() {
    }

    /** Returns {@code key} when it is usable, null when absent or blank; throws saying what to fix otherwise. */
    public static String check(String key) {
        if (key == null || key.isBlank()) {
            return null;
        }
        if (key.length() > MAX_LENGTH || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
            throw new InvalidRequestException("the Idempotency-Key (request_id over gRPC) must be 1 to " + MAX_LENGTH
                    + " printable ASCII characters without spaces, e.g. a UUID");
        }
        return key;
    }

    /** Returns the SHA-256 (hex) of what {@code order} asks for: model, method, facts, hyperparameters, evaluators, seed. */
    public static String fingerprint(EditOrder order) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", order.model());
        m.put("method", order.method());
        m.put("facts", order.facts().stream().map(EditKeys::fact).toList());
        m.put("hparams", order.hparams());
        m.put("evaluators", order.evaluators());
        m.put("seed", order.seed());
        try {
            byte[] json = CANONICAL.writeValueAsBytes(m);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> fact(EditFact f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prompt", f.prompt());
        m.put("subject", f.subject());
        m.put("target", f.target());
        m.put("paraphrases", f.paraphrases());
        m.put("neighbourhood", f.neighbourhood());
        return m;
    }

    /** Returns the applied edit of {@code model} recorded with {@code key}, if any. */
    static Optional<LedgerEntry> recorded(HostedModel model, String key) {
        List<LedgerEntry> entries = model.read(() -> model.ledger().entries());
        return entries.stream().filter(e -> key.equals(e.info().get(KEY))).findFirst();
    }

    /** Throws {@link KeyReusedException} when {@code fingerprint} differs from the one the key was first used with. */
    public static void requireSame(String key, String recordedFingerprint, String fingerprint) {
        if (recordedFingerprint != null && !recordedFingerprint.equals(fingerprint)) {
            throw new KeyReusedException("the idempotency key \"" + key + "\" was used for a different edit: send"
                    + " the same request again to get its result, or use a new key for a new edit");
        }
    }

    /** Returns the outcome the first request with this key got, rebuilt from its ledger entry. */
    static EditOutcome replay(LedgerEntry entry) {
        return outcome(entry).asReplayed();
    }

    /** Returns the outcome of the recorded edit {@code entry}, rebuilt from what its info holds. */
    public static EditOutcome outcome(LedgerEntry entry) {
        EditInfo info = EditInfo.of(entry.info());
        Object ignored = info.extra().get("ignored_hparams");
        List<String> ignoredKeys = ignored instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
        return new EditOutcome(entry, info.before(), info.after(), info.scores(), ignoredKeys);
    }
}

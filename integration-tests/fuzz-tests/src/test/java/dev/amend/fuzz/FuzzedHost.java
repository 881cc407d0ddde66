package dev.amend.fuzz;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amend.it.HostProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The packaged host the suite sends its inputs to: started once per test JVM (stopped when it exits), with one edit
 * made, exported as the patch the patch fuzzer mutates, and rolled back, so the weights are at their base hash.
 */
final class FuzzedHost {
    /** How long one request may take before the suite calls it a hang. */
    static final Duration LIMIT = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();
    private static FuzzedHost instance;

    final HostProcess process;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    final String baseHash;
    final byte[] patch;
    final List<String> methods;

    private FuzzedHost(HostProcess process) throws IOException, InterruptedException {
        this.process = process;
        this.methods = names(JSON.readTree(get("/api/v1/methods").body()).get("editors"), "name");
        HttpResponse<String> edit = send("POST", "/api/v1/models/demo/edits", "application/json", JSON.writeValueAsBytes(
                Map.of("method", "rome", "hparams", Map.of("v_num_grad_steps", 3), "evaluators", List.of(),
                        "requests", List.of(Map.of("prompt", "The capital of {} is", "subject", "Peru",
                                "target", " Oslo")))), Map.of());
        String id = JSON.readTree(edit.body()).get("id").asText();
        this.patch = http.send(request("GET", "/api/v1/models/demo/edits/" + id + "/patch", null, null, Map.of()),
                HttpResponse.BodyHandlers.ofByteArray()).body();
        rollbackAll();
        this.baseHash = weightsHash();
    }

    /** Returns the suite's host, starting it on first use. */
    static synchronized FuzzedHost get() {
        if (instance == null) {
            try {
                Path data = Files.createTempDirectory("amend-fuzz").resolve("data");
                HostProcess p = HostProcess.withToken(data);
                Runtime.getRuntime().addShutdownHook(new Thread(p::close));
                instance = new FuzzedHost(p);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("cannot start the host for fuzzing", e);
            }
        }
        return instance;
    }

    private HttpRequest request(String method, String path, String type, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(process.baseUrl() + path)).timeout(LIMIT)
                .header("Authorization", "Bearer " + HostProcess.TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        headers.forEach(b::header);
        return b.build();
    }

    /** Returns the answer to {@code method path} with {@code body} (may be null) of content type {@code type}. */
    HttpResponse<String> send(String method, String path, String type, byte[] body, Map<String, String> headers)
            throws IOException, InterruptedException {
        return http.send(request(method, path, type, body, headers), HttpResponse.BodyHandlers.ofString());
    }

    /** Returns the answer to GET {@code path}. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null, Map.of());
    }

    /** Returns the serving weights' hash now. */
    String weightsHash() throws IOException, InterruptedException {
        return JSON.readTree(get("/api/v1/models/demo").body()).get("weightsHash").asText();
    }

    /** Returns field {@code field} of each element of the array {@code array}. */
    static List<String> names(com.fasterxml.jackson.databind.JsonNode array, String field) {
        List<String> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.get(field).asText()));
        return out;
    }

    /** Rolls back every applied edit. */
    void rollbackAll() throws IOException, InterruptedException {
        for (String id : names(JSON.readTree(get("/api/v1/models/demo/edits").body()), "id")) {
            send("DELETE", "/api/v1/models/demo/edits/" + id, null, null, Map.of());
        }
    }
}

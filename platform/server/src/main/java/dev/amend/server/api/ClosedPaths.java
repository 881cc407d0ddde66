package dev.amend.server.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.amend.server.auth.BearerAuth;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.HttpHeaders;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Answers without the token show no server paths: the fields of a model description and of the plugins listing
 * that hold one ({@code source}, {@code ledger}, {@code directory}, a plugin's {@code reason}) carry only the last part of each path.
 */
public class ClosedPaths {
    private static final Set<String> PATH_FIELDS = Set.of("source", "ledger", "directory", "reason");
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    @Inject
    BearerAuth auth;

    @Inject
    ObjectMapper json;

    /** Replaces the entity of an unauthenticated answer that holds server paths with a copy that does not. */
    @ServerResponseFilter
    public void hide(ContainerRequestContext request, ContainerResponseContext response) {
        Object entity = response.getEntity();
        if (!(entity instanceof ApiTypes.ModelDescription || entity instanceof ApiTypes.PluginsAnswer)
                || auth.authenticated(request.getHeaderString(HttpHeaders.AUTHORIZATION))) {
            return;
        }
        Map<String, Object> copy = json.convertValue(entity, MAP);
        response.setEntity(hidden(copy));
    }

    @SuppressWarnings("unchecked")
    private static Object hidden(Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            ((Map<String, Object>) m).forEach((k, v) -> out.put(k, PATH_FIELDS.contains(k) && v instanceof String s
                    ? ServerPaths.hide(s) : hidden(v)));
            return out;
        }
        if (value instanceof java.util.List<?> l) {
            return l.stream().map(ClosedPaths::hidden).toList();
        }
        return value;
    }
}

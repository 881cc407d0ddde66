package dev.amend.server.api;

import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.security.SecurityScheme;

/**
 * Declares the host's bearer token in the OpenAPI document: a {@code bearer} HTTP security scheme, required by every
 * operation under {@code /api} that changes something (all but GET and the generation endpoints).
 */
public class OpenApiSecurity implements OASFilter {
    /** The scheme's name in the document. */
    static final String SCHEME = "bearer";

    /** Adds the scheme and the requirements to the finished document. */
    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        openAPI.getComponents().addSecurityScheme(SCHEME, OASFactory.createSecurityScheme()
                .type(SecurityScheme.Type.HTTP).scheme("bearer")
                .description("The host's token (amend.auth.token, AMEND_AUTH_TOKEN): Authorization: Bearer <token>."
                        + " Needed by every change; by reads too when amend.auth.protect-reads=true."));
        if (openAPI.getPaths() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> e : openAPI.getPaths().getPathItems().entrySet()) {
            if (!e.getKey().startsWith("/api/") || e.getKey().endsWith("/generate")) {
                continue;
            }
            for (Map.Entry<PathItem.HttpMethod, Operation> op : e.getValue().getOperations().entrySet()) {
                if (op.getKey() != PathItem.HttpMethod.GET && op.getKey() != PathItem.HttpMethod.HEAD
                        && op.getKey() != PathItem.HttpMethod.OPTIONS) {
                    op.getValue().setSecurity(List.of(OASFactory.createSecurityRequirement().addScheme(SCHEME)));
                }
            }
        }
    }
}

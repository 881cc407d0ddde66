package dev.amend.server.api;

import dev.amend.server.api.ApiTypes.EvaluatorView;
import dev.amend.server.api.ApiTypes.HyperparameterView;
import dev.amend.server.api.ApiTypes.MethodView;
import dev.amend.server.api.ApiTypes.MethodsAnswer;
import dev.amend.server.editing.Methods;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.spi.EditorProvider;
import dev.amend.spi.InvalidRequestException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The installed editing methods (with hyperparameters and defaults) and evaluators. */
@Path("/api/v1/methods")
@Produces(MediaType.APPLICATION_JSON)
public class MethodsResource {
    @Inject
    Methods methods;

    @Inject
    HostedModels models;

    /** Returns the methods with their defaults for {@code model} (default: the first served model), and the evaluators. */
    @GET
    public MethodsAnswer list(@QueryParam("model") String model) {
        return list(methods, models, model);
    }

    /** Returns the methods with their defaults for {@code model} (null or blank: the first served model). */
    public static MethodsAnswer list(Methods methods, HostedModels models, String model) {
        HostedModel m = model == null || model.isBlank()
                ? models.all().stream().findFirst().orElseThrow(() -> new InvalidRequestException("no model is served"))
                : models.get(model);
        List<MethodView> editors = methods.editors().values().stream().map(p -> view(methods, p, m)).toList();
        List<EvaluatorView> evaluators = methods.evaluators().values().stream()
                .map(p -> new EvaluatorView(p.name(), p.version(), p.protocol())).toList();
        return new MethodsAnswer(editors, evaluators);
    }

    private static MethodView view(Methods methods, EditorProvider<?> p, HostedModel m) {
        List<HyperparameterView> h = methods.schema(p, m.serving().architecture()).stream()
                .map(i -> new HyperparameterView(i.name(), i.type(), i.defaultValue())).toList();
        return new MethodView(p.name(), p.version(), p.description(), m.name(), h);
    }
}

package dev.amend.server.api;

import dev.amend.runtime.plugins.MethodInfo;
import dev.amend.server.api.ApiTypes.EvaluatorView;
import dev.amend.server.api.ApiTypes.HyperparameterView;
import dev.amend.server.api.ApiTypes.MethodView;
import dev.amend.server.api.ApiTypes.MethodsAnswer;
import dev.amend.server.editing.Methods;
import dev.amend.server.model.HostedModel;
import dev.amend.server.model.HostedModels;
import dev.amend.spi.InvalidRequestException;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** The installed editing methods (origin, version, hyperparameters and defaults) and evaluators, from the plugin catalog. */
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
        List<MethodView> editors = methods.editors(m.serving().architecture()).stream().map(i -> view(i, m)).toList();
        List<EvaluatorView> evaluators = methods.evaluators().stream()
                .map(i -> new EvaluatorView(i.name(), i.version(), i.protocol(), i.origin())).toList();
        return new MethodsAnswer(editors, evaluators);
    }

    private static MethodView view(MethodInfo i, HostedModel m) {
        List<HyperparameterView> h = i.hyperparameters().stream()
                .map(x -> new HyperparameterView(x.name(), x.type(), x.defaultValue())).toList();
        return new MethodView(i.name(), i.version(), i.description(), m.name(), h, i.origin());
    }
}

package dev.amend.server.api;

import dev.amend.runtime.plugins.MethodInfo;
import dev.amend.server.api.ApiTypes.EvaluatorView;
import dev.amend.server.api.ApiTypes.HyperparameterView;
import dev.amend.server.api.ApiTypes.MethodView;
import dev.amend.server.api.ApiTypes.MethodsAnswer;
import dev.amend.server.editing.MethodListing;
import dev.amend.server.editing.Methods;
import dev.amend.server.model.HostedModels;
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
        MethodListing l = methods.listing(models.getOrFirst(model));
        List<MethodView> editors = l.editors().stream().map(i -> view(i, l.defaultsFor())).toList();
        List<EvaluatorView> evaluators = l.evaluators().stream()
                .map(i -> new EvaluatorView(i.name(), i.version(), i.protocol(), i.origin())).toList();
        return new MethodsAnswer(editors, evaluators);
    }

    private static MethodView view(MethodInfo i, String defaultsFor) {
        List<HyperparameterView> h = i.hyperparameters().stream()
                .map(x -> new HyperparameterView(x.name(), x.type(), x.defaultValue())).toList();
        return new MethodView(i.name(), i.version(), i.description(), defaultsFor, h, i.origin());
    }
}

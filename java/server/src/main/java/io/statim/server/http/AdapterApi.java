package io.statim.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.protocol.lora.AdapterControl;
import io.statim.scheduler.ServedModel;
import io.statim.scheduler.lora.AdapterRegistry;
import java.util.function.Function;

/**
 * The LoRA adapter API of a base model: {@code GET/POST /v2/models/{m}/adapters} (list, register
 * {@code {"name", "path"}}), {@code GET/DELETE /v2/models/{m}/adapters/{name}} (describe, unregister),
 * {@code POST .../adapters/{name}/pin} and {@code .../unpin}. Reads answer on the event loop; changes
 * open adapter files and may fill a slot, so they run on the control executor ({@link AdapterControl}).
 * Shared by all connections; stateless.
 */
final class AdapterApi {
    private final AdapterControl control;

    AdapterApi(AdapterControl control) {
        this.control = control;
    }

    /** Answers one adapter API request for {@code served}. */
    void handle(ChannelHandlerContext ctx, FullHttpRequest request, Route route, ServedModel served) {
        AdapterRegistry registry = served.adapters();
        if (registry == null) {
            throw new StatusException(Code.NOT_FOUND, "model '" + served.name() + "' serves no LoRA adapters (its config has no "
                    + "lora_target_modules)");
        }
        HttpMethod method = request.method();
        switch (route.kind()) {
            case ADAPTERS -> {
                if (method.equals(HttpMethod.GET)) {
                    HttpReplies.json(ctx, ServerJson.adapters(ctx.alloc(), registry.list()));
                } else if (method.equals(HttpMethod.POST)) {
                    ServerJson.Registration r = ServerJson.registration(request.content());
                    change(ctx, registry, control.registration(r.name(), r.path()), HttpResponseStatus.CREATED);
                } else {
                    throw notAllowed(method, "GET or POST");
                }
            }
            case ADAPTER -> {
                if (method.equals(HttpMethod.GET)) {
                    HttpReplies.json(ctx, ServerJson.adapter(ctx.alloc(), registry.describe(route.adapter())));
                } else if (method.equals(HttpMethod.DELETE)) {
                    change(ctx, registry, reg -> {
                        reg.unregister(route.adapter());
                        return null;
                    }, HttpResponseStatus.OK);
                } else {
                    throw notAllowed(method, "GET or DELETE");
                }
            }
            case ADAPTER_PIN, ADAPTER_UNPIN -> {
                if (!method.equals(HttpMethod.POST)) {
                    throw notAllowed(method, "POST");
                }
                boolean pin = route.kind() == Route.Kind.ADAPTER_PIN;
                change(ctx, registry, reg -> {
                    if (pin) {
                        reg.pin(route.adapter());
                    } else {
                        reg.unpin(route.adapter());
                    }
                    return reg.describe(route.adapter());
                }, HttpResponseStatus.OK);
            }
            default -> throw new IllegalArgumentException("not an adapter route: " + route.kind());
        }
    }

    /** Runs a change off the event loop and answers with the adapter it returns (or an empty body). */
    private void change(ChannelHandlerContext ctx, AdapterRegistry registry, Function<AdapterRegistry, AdapterRegistry.AdapterInfo> change,
            HttpResponseStatus success) {
        control.run(registry, change, outcome -> ctx.executor().execute(() -> {
            if (!outcome.ok()) {
                HttpReplies.error(ctx, outcome.status());
            } else if (outcome.value() == null) {
                HttpReplies.empty(ctx, success);
            } else {
                ByteBuf body = ServerJson.adapter(ctx.alloc(), outcome.value());
                HttpReplies.write(ctx, success, body, -1);
            }
        }));
    }

    private static StatusException notAllowed(HttpMethod method, String allowed) {
        return new StatusException(Code.METHOD_NOT_ALLOWED, method + " is not allowed here; use " + allowed);
    }
}

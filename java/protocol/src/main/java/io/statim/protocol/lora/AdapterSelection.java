package io.statim.protocol.lora;

import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import io.statim.runtime.AdapterBinding;
import io.statim.scheduler.ServedModel;
import java.util.Map;

/**
 * The LoRA adapter a request names, read the same way by every protocol: the OIP request parameter
 * {@code adapter} or SageMaker's header {@code X-Amzn-SageMaker-Adapter-Identifier}. No adapter means
 * the base model; a named adapter that the model does not have is refused, never answered by the base
 * model. Stateless.
 */
public final class AdapterSelection {
    /** The OIP request parameter that names the adapter. */
    public static final String PARAMETER = "adapter";
    /** SageMaker's header that names the adapter (an inference component's adapter). */
    public static final String HEADER = "X-Amzn-SageMaker-Adapter-Identifier";

    private AdapterSelection() {
    }

    /**
     * The adapter named by the header or the parameter, or {@code null} for none.
     *
     * @param header the header's value, or {@code null} (always for gRPC)
     * @throws StatusException INVALID_ARGUMENT when the parameter is not a string or the two disagree
     */
    public static String name(String header, Map<String, Object> parameters) {
        Object value = parameters.get(PARAMETER);
        if (value != null && !(value instanceof String)) {
            throw new StatusException(Code.INVALID_ARGUMENT, "request parameter '" + PARAMETER + "' must be a string naming a LoRA adapter");
        }
        String parameter = value == null || ((String) value).isEmpty() ? null : (String) value;
        String fromHeader = header == null || header.isBlank() ? null : header.strip();
        if (parameter != null && fromHeader != null && !parameter.equals(fromHeader)) {
            throw new StatusException(Code.INVALID_ARGUMENT, HEADER + " and parameter '" + PARAMETER + "' name different adapters");
        }
        return parameter != null ? parameter : fromHeader;
    }

    /**
     * The binding of the named adapter for one request, held until the request is done (the request
     * releases it); {@code null} when no adapter is named.
     *
     * @throws StatusException INVALID_ARGUMENT when the model serves no adapters, NOT_FOUND when this
     *                         one is not registered
     */
    public static AdapterBinding bind(ServedModel served, String name) {
        if (name == null) {
            return null;
        }
        if (served.adapters() == null) {
            throw new StatusException(Code.INVALID_ARGUMENT, "model '" + served.name() + "' serves no LoRA adapters (its config has no "
                    + "lora_target_modules); request adapter '" + name + "' from a model that does");
        }
        return served.adapters().acquire(name);
    }
}

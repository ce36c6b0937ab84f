using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApplicationModels;

namespace ServerSessions;

/// <summary>
/// Hands controller actions their session parameters (<see cref="ServerSession"/>, or <see cref="FromSessionAttribute"/>
/// on <see cref="ISession"/>) without model binding: the parameter is taken out of the action's bound parameters and
/// <see cref="SessionParameterFilter"/> puts the loaded session in the action's arguments, which MVC matches to the
/// method by name, and commits it. Every other controller action keeps <see cref="SessionCommitFilter"/>.
/// </summary>
/// <remarks>
/// A session is not request input: binding it would build the request's value providers, a binding context and a
/// validation pass for every request, which cost more than loading the session itself. An action without other
/// parameters then skips model binding altogether. An action with a session parameter runs one filter of ServerSessions
/// rather than two: the global result filter is moved from the application onto the actions without one. Razor Pages
/// take the global filters from <c>MvcOptions.Filters</c>, not from this model, and still bind through
/// <see cref="SessionModelBinder"/>.
/// </remarks>
internal sealed class SessionParameterConvention : IApplicationModelConvention
{
    public void Apply(ApplicationModel application)
    {
        var commit = application.Filters.OfType<SessionCommitFilter>().FirstOrDefault();
        if (commit is not null)
        {
            application.Filters.Remove(commit);
        }

        foreach (var action in application.Controllers.SelectMany(controller => controller.Actions))
        {
            if (TakeSessionParameters(action) is { Length: > 0 } names)
            {
                // Loaded by the middleware, before authentication, which then reads the loaded session rather than the store.
                foreach (var selector in action.Selectors)
                {
                    selector.EndpointMetadata.Add(ServerSession.LoadUpFront);
                }

                action.Filters.Add(new SessionParameterFilter(names));
            }
            else if (commit is not null)
            {
                action.Filters.Add(commit);
            }
        }
    }

    private static string[] TakeSessionParameters(ActionModel action)
    {
        var names = new List<string>();
        foreach (var parameter in action.Parameters.ToList())
        {
            var type = parameter.ParameterInfo.ParameterType;
            var fromSession = parameter.BindingInfo?.BindingSource == SessionModelBinder.Source;
            if (type == typeof(ServerSession) || (fromSession && type == typeof(ISession)))
            {
                action.Parameters.Remove(parameter);
                names.Add(parameter.ParameterName);
            }
        }

        return [.. names];
    }
}

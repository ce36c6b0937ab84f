using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApplicationModels;
using Microsoft.AspNetCore.Mvc.Filters;

namespace ServerSessions;

/// <summary>
/// Hands controller actions their session parameters (<see cref="ServerSession"/>, or <see cref="FromSessionAttribute"/>
/// on <see cref="ISession"/>) without model binding: the parameter is taken out of the action's bound parameters and
/// an action filter loads the session and puts it in the action's arguments, which MVC matches to the method by name.
/// </summary>
/// <remarks>
/// A session is not request input: binding it would build the request's value providers, a binding context and a
/// validation pass for every request, which cost more than loading the session itself. An action without other
/// parameters then skips model binding altogether. Razor Pages handlers still bind through <see cref="SessionModelBinder"/>.
/// </remarks>
internal sealed class SessionParameterConvention : IActionModelConvention
{
    public void Apply(ActionModel action)
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

        if (names.Count > 0)
        {
            // Loaded by the middleware, before authentication, which then reads the loaded session rather than the store.
            foreach (var selector in action.Selectors)
            {
                selector.EndpointMetadata.Add(ServerSession.LoadUpFront);
            }

            action.Filters.Add(new SessionArgumentFilter([.. names]));
        }
    }

    private sealed class SessionArgumentFilter(string[] names) : IAsyncActionFilter, IOrderedFilter
    {
        // Before the app's own action filters, which may read the argument.
        public int Order => int.MinValue;

        public async Task OnActionExecutionAsync(ActionExecutingContext context, ActionExecutionDelegate next)
        {
            var session = await context.HttpContext.LoadSessionAsync(context.HttpContext.RequestAborted);
            foreach (var name in names)
            {
                context.ActionArguments[name] = session;
            }

            await next();
        }
    }
}

using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ServerSessions;

/// <summary>Binds <see cref="FromSessionAttribute"/> parameters: loads the session, asynchronously, and hands it over.</summary>
internal sealed class SessionModelBinder : IModelBinder, IModelBinderProvider
{
    public static readonly BindingSource Source = new("ServerSession", "Session", isGreedy: true, isFromRequest: false);

    public IModelBinder? GetBinder(ModelBinderProviderContext context)
    {
        if (context.BindingInfo.BindingSource != Source && context.Metadata.ModelType != typeof(ServerSession))
        {
            return null;
        }

        if (context.Metadata.ModelType != typeof(ServerSession) && context.Metadata.ModelType != typeof(ISession))
        {
            throw new InvalidOperationException(
                $"[FromSession] binds parameters of type ServerSession or ISession, not {context.Metadata.ModelType}. " +
                "Take the session and read the value with session.Get<T>(key).");
        }

        return this;
    }

    public async Task BindModelAsync(ModelBindingContext bindingContext)
    {
        var session = await bindingContext.HttpContext.LoadSessionAsync(bindingContext.HttpContext.RequestAborted);
        bindingContext.Result = ModelBindingResult.Success(session);
    }
}

using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace ServerSessions;

/// <summary>
/// Binds an action parameter of type <see cref="ServerSession"/> (or <see cref="Microsoft.AspNetCore.Http.ISession"/>)
/// to the request's session, loaded asynchronously first: the <c>@Session()</c> of NestJS.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Property, AllowMultiple = false)]
public sealed class FromSessionAttribute : Attribute, IBindingSourceMetadata
{
    /// <inheritdoc />
    public BindingSource BindingSource => SessionModelBinder.Source;
}

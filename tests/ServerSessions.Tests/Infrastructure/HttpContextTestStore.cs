using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ServerSessions.Tests.Infrastructure;

/// <summary>Reaches the test host's store from inside an endpoint, where the host object does not exist yet when endpoints are mapped.</summary>
internal static class HttpContextTestStore
{
    /// <summary>The host's <see cref="RecordingStore"/>.</summary>
    public static RecordingStore TestStore(this HttpContext context) =>
        (RecordingStore)context.RequestServices.GetRequiredService<SessionRuntime>().Store;

    /// <summary>The memory store the recording store wraps.</summary>
    public static MemorySessionStore TestMemory(this HttpContext context) => (MemorySessionStore)context.TestStore().Inner;
}

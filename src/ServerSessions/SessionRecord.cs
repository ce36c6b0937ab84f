namespace ServerSessions;

/// <summary>
/// What a store keeps for one session: the serialized session and the instant after which the store must
/// treat it as absent.
/// </summary>
/// <param name="Payload">The session as UTF-8 JSON, produced and read by ServerSessions only. Stores keep it as opaque bytes.</param>
/// <param name="Expires">When the session expires. A store must not return it at or after this instant.</param>
public readonly record struct SessionRecord(ReadOnlyMemory<byte> Payload, DateTimeOffset Expires);

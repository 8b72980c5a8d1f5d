"""SNS handlers: wire dict in, one emulator call, wire dict out."""

from __future__ import annotations

from emulator.errors import AwsError

# The X-Ray trace header of a Publish: the SQS messages it delivers get it as AWSTraceHeader.
TRACE_HEADER = "x-amzn-trace-id"


def _sns(emulator):
    return emulator.sns


async def create_topic(emulator, ctx, p):
    arn = await _sns(emulator).create_topic(ctx.caller, p["Name"], p.get("Attributes"), p.get("Tags"),
                                            p.get("DataProtectionPolicy"))
    return {"TopicArn": arn}


async def delete_topic(emulator, ctx, p):
    await _sns(emulator).delete_topic(ctx.caller, p["TopicArn"])


async def get_topic_attributes(emulator, ctx, p):
    return {"Attributes": await _sns(emulator).get_topic_attributes(p["TopicArn"], caller=ctx.caller)}


async def set_topic_attributes(emulator, ctx, p):
    await _sns(emulator).set_topic_attributes(p["TopicArn"], p["AttributeName"], p.get("AttributeValue"),
                                              caller=ctx.caller)


async def list_topics(emulator, ctx, p):
    return await _sns(emulator).list_topics(ctx.caller, p.get("NextToken"))


async def add_permission(emulator, ctx, p):
    await _sns(emulator).add_permission(p["TopicArn"], p["Label"], p["AWSAccountId"], p["ActionName"],
                                        caller=ctx.caller)


async def remove_permission(emulator, ctx, p):
    await _sns(emulator).remove_permission(p["TopicArn"], p["Label"], caller=ctx.caller)


async def tag_resource(emulator, ctx, p):
    await _sns(emulator).tag_resource(p["ResourceArn"], p["Tags"], caller=ctx.caller)


async def untag_resource(emulator, ctx, p):
    await _sns(emulator).untag_resource(p["ResourceArn"], p["TagKeys"], caller=ctx.caller)


async def list_tags_for_resource(emulator, ctx, p):
    return {"Tags": await _sns(emulator).list_tags_for_resource(p["ResourceArn"], caller=ctx.caller)}


async def put_data_protection_policy(emulator, ctx, p):
    await _sns(emulator).put_data_protection_policy(p["ResourceArn"], p["DataProtectionPolicy"], caller=ctx.caller)


async def get_data_protection_policy(emulator, ctx, p):
    policy = await _sns(emulator).get_data_protection_policy(p["ResourceArn"], caller=ctx.caller)
    return {"DataProtectionPolicy": policy} if policy is not None else {}


async def subscribe(emulator, ctx, p):
    arn = await _sns(emulator).subscribe(ctx.caller, p["TopicArn"], p["Protocol"], p.get("Endpoint"),
                                         p.get("Attributes"), bool(p.get("ReturnSubscriptionArn")))
    return {"SubscriptionArn": arn}


async def confirm_subscription(emulator, ctx, p):
    # The SubscribeURL link is visited unsigned, from anywhere: only a signed call's region is checked.
    arn = await _sns(emulator).confirm_subscription(p["TopicArn"], p["Token"], p.get("AuthenticateOnUnsubscribe"),
                                                    caller=ctx.caller if ctx.access_key else None)
    return {"SubscriptionArn": arn}


async def unsubscribe(emulator, ctx, p):
    await _sns(emulator).unsubscribe(ctx.caller, p["SubscriptionArn"], signed="authorization" in ctx.headers)


async def get_subscription_attributes(emulator, ctx, p):
    return {"Attributes": await _sns(emulator).get_subscription_attributes(p["SubscriptionArn"], caller=ctx.caller)}


async def set_subscription_attributes(emulator, ctx, p):
    await _sns(emulator).set_subscription_attributes(p["SubscriptionArn"], p["AttributeName"],
                                                     p.get("AttributeValue"), caller=ctx.caller)


async def list_subscriptions(emulator, ctx, p):
    return await _sns(emulator).list_subscriptions(ctx.caller, p.get("NextToken"))


async def list_subscriptions_by_topic(emulator, ctx, p):
    return await _sns(emulator).list_subscriptions_by_topic(p["TopicArn"], p.get("NextToken"), caller=ctx.caller)


async def publish(emulator, ctx, p):
    return await _sns(emulator).publish(
        ctx.caller, topic_arn=p.get("TopicArn"), target_arn=p.get("TargetArn"), phone_number=p.get("PhoneNumber"),
        message=p.get("Message"), subject=p.get("Subject"), structure=p.get("MessageStructure"),
        attributes=p.get("MessageAttributes"), dedup_id=p.get("MessageDeduplicationId"),
        group_id=p.get("MessageGroupId"), trace_header=ctx.headers.get(TRACE_HEADER))


async def publish_batch(emulator, ctx, p):
    return await _sns(emulator).publish_batch(ctx.caller, p["TopicArn"], p.get("PublishBatchRequestEntries") or [],
                                              trace_header=ctx.headers.get(TRACE_HEADER))


# --- platform applications and endpoints ----------------------------------------------------------

async def create_platform_application(emulator, ctx, p):
    arn = await _sns(emulator).platform("create_application", ctx.caller, p["Name"], p["Platform"],
                                        p.get("Attributes"))
    return {"PlatformApplicationArn": arn}


async def get_platform_application_attributes(emulator, ctx, p):
    return {"Attributes": await _sns(emulator).platform("get_application_attributes", p["PlatformApplicationArn"])}


async def set_platform_application_attributes(emulator, ctx, p):
    await _sns(emulator).platform("set_application_attributes", p["PlatformApplicationArn"], p["Attributes"])


async def delete_platform_application(emulator, ctx, p):
    await _sns(emulator).platform("delete_application", p["PlatformApplicationArn"])


async def list_platform_applications(emulator, ctx, p):
    return await _sns(emulator).platform("list_applications", ctx.caller, p.get("NextToken"))


async def create_platform_endpoint(emulator, ctx, p):
    arn = await _sns(emulator).platform("create_endpoint", p["PlatformApplicationArn"], p["Token"],
                                        p.get("CustomUserData"), p.get("Attributes"))
    return {"EndpointArn": arn}


async def get_endpoint_attributes(emulator, ctx, p):
    return {"Attributes": await _sns(emulator).platform("get_endpoint_attributes", p["EndpointArn"])}


async def set_endpoint_attributes(emulator, ctx, p):
    await _sns(emulator).platform("set_endpoint_attributes", p["EndpointArn"], p["Attributes"])


async def delete_endpoint(emulator, ctx, p):
    await _sns(emulator).platform("delete_endpoint", p["EndpointArn"])


async def list_endpoints_by_platform_application(emulator, ctx, p):
    return await _sns(emulator).platform("list_endpoints", p["PlatformApplicationArn"], p.get("NextToken"))


# --- SMS --------------------------------------------------------------------------------------------

async def get_sms_attributes(emulator, ctx, p):
    return {"attributes": await _sns(emulator).platform("get_sms_attributes", ctx.caller, p.get("attributes"))}


async def set_sms_attributes(emulator, ctx, p):
    await _sns(emulator).platform("set_sms_attributes", ctx.caller, p["attributes"])


async def check_if_phone_number_is_opted_out(emulator, ctx, p):
    return {"isOptedOut": await _sns(emulator).platform("check_opted_out", ctx.caller, p["phoneNumber"])}


async def opt_in_phone_number(emulator, ctx, p):
    await _sns(emulator).platform("opt_in", ctx.caller, p["phoneNumber"])


async def list_phone_numbers_opted_out(emulator, ctx, p):
    return await _sns(emulator).platform("list_opted_out", ctx.caller, p.get("nextToken"))


async def get_sms_sandbox_account_status(emulator, ctx, p):
    return {"IsInSandbox": False}


async def create_sms_sandbox_phone_number(emulator, ctx, p):
    await _sns(emulator).create_sms_sandbox_phone_number(ctx.caller, p["PhoneNumber"], p.get("LanguageCode"))


async def verify_sms_sandbox_phone_number(emulator, ctx, p):
    await _sns(emulator).platform("verify_sandbox_number", ctx.caller, p["PhoneNumber"], p["OneTimePassword"])


async def delete_sms_sandbox_phone_number(emulator, ctx, p):
    await _sns(emulator).platform("delete_sandbox_number", ctx.caller, p["PhoneNumber"])


async def list_sms_sandbox_phone_numbers(emulator, ctx, p):
    return await _sns(emulator).platform("list_sandbox_numbers", ctx.caller, p.get("NextToken"),
                                         p.get("MaxResults"))


async def list_origination_numbers(emulator, ctx, p):
    max_results = p.get("MaxResults")
    if max_results is not None and not 1 <= max_results <= 30:
        raise AwsError("MaxResults must be between 1 and 30", code="ValidationException")
    return {"PhoneNumbers": []}

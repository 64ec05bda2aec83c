"""Fill the zh_Hans catalogue from the table below (run after makemessages).

    python locale/translate_zh_hans.py

Keeps existing translations, adds those from TRANSLATIONS, and lists msgids still missing.
Apps that add strings add their translations to the table (or edit the .po directly).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent / "zh_Hans" / "LC_MESSAGES" / "django.po"

TRANSLATIONS: dict[str, str | list[str]] = {
    # accounts: admin and fields
    "Mobile phone": "手机号码",
    "Stored (%(masked)s); type a new number to replace it.": "已保存(%(masked)s);输入新号码可替换。",
    "Person": "个人信息",
    "Role and region": "角色与辖区",
    "Permissions": "权限",
    "Dates": "日期",
    "Accounts and regions": "账号与区划",
    "Search": "搜索",
    "Role": "角色",
    "Region code": "区划代码",
    "User": "用户",
    "Field": "字段",
    "From": "起始日期",
    "Until": "截止日期",
    "Record type": "记录类型",
    "The user name or password is not correct.": "用户名或密码不正确。",
    "This account is disabled.": "该账号已停用。",
    "Reason for viewing": "查看原因",
    "e.g. calling about a home visit": "例如:入户走访前电话联系",
    "You were logged out after %(minutes)d minutes without activity.": "您已连续 %(minutes)d 分钟未操作,系统已自动退出登录。",
    "Your session has reached its time limit. Please log in again.": "本次登录已达到时长上限,请重新登录。",
    "Province": "省",
    "City": "市",
    "County": "县(区)",
    "Township": "乡镇(街道)",
    "Village": "村(社区)",
    "division code": "区划代码",
    "name": "名称",
    "level": "级别",
    "kind": "类型",
    "town, subdistrict, xiang, statistical unit, residents' or village committee": "镇、街道、乡、统计单位(农场等)、居委会或村委会",
    "parent region": "上级区划",
    "valid from": "生效日期",
    "valid to": "失效日期",
    "synthetic": "演示数据",
    "Generated for demonstration or benchmarks, not an official division.": "为演示或性能测试生成,并非正式区划。",
    "region": "区划",
    "regions": "区划",
    "Social worker": "社工",
    "Civil affairs staff": "民政工作人员",
    "Charity staff": "慈善组织工作人员",
    "Administrator": "管理员",
    "full name": "姓名",
    "role": "角色",
    "home region": "所属辖区",
    "mobile phone": "手机号码",
    "user": "用户",
    "users": "用户",
    "time": "时间",
    "record type": "记录类型",
    "record id": "记录编号",
    "record": "记录",
    "region of the record": "记录所属区划",
    "field": "字段",
    "reason": "原因",
    "IP address": "IP 地址",
    "access log entry": "敏感信息查看记录",
    "access log": "敏感信息查看日志",
    "recipient": "接收人",
    "title": "标题",
    "message": "内容",
    "link": "链接",
    "created": "创建时间",
    "read": "已读时间",
    "e-mailed": "邮件发送时间",
    "notification": "通知",
    "notifications": "通知",
    "Please give the reason for viewing the full value.": "请填写查看完整信息的原因。",
    "This role needs a home region.": "该角色必须指定所属辖区。",
    "For this role the home region must be a %(levels)s.": "该角色的所属辖区必须是:%(levels)s。",
    "Your password has been changed.": "密码已修改。",
    "%(count)d notifications marked as read.": "已将 %(count)d 条通知标为已读。",
    "Simplified Chinese": "简体中文",
    "AidBridge administration": "慈善帮扶对接平台 管理后台",
    "AidBridge": "慈善帮扶对接平台",
    "Housekeeping": "系统维护",
    # Django 5.2 strings missing from Django's own zh_Hans catalogue (accounts/django_strings.py)
    "This password is too short. It must contain at least %d character.": [
        "密码长度太短。密码必须包含至少 %d 个字符。"
    ],
    # error pages
    "Bad request": "请求有误",
    "The request could not be understood.": "无法处理该请求。",
    "Not allowed": "无权操作",
    "You are not allowed to do this.": "您无权进行此操作。",
    "Back to the home page": "返回首页",
    "Form expired": "表单已过期",
    "The form has expired": "表单已过期",
    "Please go back, reload the page and submit again. Nothing was saved.": "请返回并刷新页面后重新提交。本次内容未保存。",
    "Page not found": "页面不存在",
    "This page does not exist, or you do not have access to it.": "该页面不存在,或您无权访问。",
    "Server error": "服务器错误",
    "Something went wrong": "系统出现错误",
    "The error has been recorded. Please try again in a moment; nothing you entered was half-saved.": "错误已记录,请稍后重试;您填写的内容不会被保存一半。",
    # audit
    "Audit": "审计",
    "Sensitive reads": "敏感信息查看",
    "Change history": "修改历史",
    "Filter": "筛选",
    "Time": "时间",
    "Record": "记录",
    "Reason": "原因",
    "Nothing recorded.": "暂无记录。",
    "Action": "操作",
    "Changes": "变更内容",
    "system": "系统",
    # dashboard
    "Home": "首页",
    "Hello, %(name)s": "您好,%(name)s",
    "no role": "未分配角色",
    "Your station: %(township)s. Households, needs and applications of this township are yours to keep.": "您所在社工站:%(township)s。本乡镇(街道)的服务对象家庭、需求和申请由您负责维护。",
    "Your department covers %(region)s and every region below it.": "您所在部门负责 %(region)s 及其下辖全部区域。",
    "Your organisation's projects and the applications sent to it will appear here.": "本机构的帮扶项目及收到的申请将显示在这里。",
    "You administer the whole province: users, regions, ledger editions, audit and exports.": "您负责全省的系统管理:用户、区划、台账版本、审计与导出。",
    "Your account has no role yet. Ask an administrator to assign one.": "您的账号尚未分配角色,请联系管理员。",
    "My area": "本辖区",
    "cities": "个地级市",
    "counties": "个县(市、区)",
    "townships": "个乡镇(街道)",
    "villages": "个村(社区)",
    "Staff in my area": "本辖区工作人员",
    "social workers": "名社工",
    "civil affairs staff": "名民政工作人员",
    "charity staff": "名慈善组织工作人员",
    "administrators": "名管理员",
    "Latest notifications": "最新通知",
    "All": "全部",
    "new": "新",
    "No notifications.": "暂无通知。",
    "Latest sensitive reads": "最近的敏感信息查看",
    "No sensitive reads recorded.": "暂无敏感信息查看记录。",
    # notifications
    "Inbox": "消息",
    "Show all": "显示全部",
    "Unread only": "只看未读",
    "Mark all as read": "全部标为已读",
    "Open": "查看",
    "Mark as read": "标为已读",
    # account
    "Change password": "修改密码",
    "Save": "保存",
    "Cancel": "取消",
    "My account": "我的账号",
    "User name": "用户名",
    "Full name": "姓名",
    "Home region": "所属辖区",
    "E-mail": "电子邮箱",
    # staff directory
    "Staff directory": "工作人员名录",
    "This reading has been recorded in the access log.": "本次查看已记入敏感信息查看日志。",
    "Show full number": "显示完整号码",
    "Name, user name or region": "姓名、用户名或区划",
    "%(counter)s person": ["共 %(counter)s 人"],
    "Name": "姓名",
    "Region": "区划",
    "Nobody matches.": "没有符合条件的人员。",
    # layout
    "Charity aid matching platform": "慈善帮扶资源供需对接平台",
    "Skip to content": "跳到正文",
    "Notifications": "通知",
    "Menu": "菜单",
    "Administration": "管理后台",
    "API": "接口文档",
    "Log out": "退出登录",
    "AidBridge · Charity aid resource matching platform": "慈善帮扶资源供需对接平台",
    "Pages": "分页",
    "Previous": "上一页",
    "Page %(n)s of %(total)s": "第 %(n)s 页,共 %(total)s 页",
    "Next": "下一页",
    # login
    "Account locked": "账号已锁定",
    "Account temporarily locked": "账号已被暂时锁定",
    "There were too many failed login attempts for this account. Please try again later, or ask your administrator to unlock it.": "该账号登录失败次数过多,请稍后再试,或联系管理员解锁。",
    "Back to login": "返回登录",
    "Log in": "登录",
    "For township social workers, civil affairs departments and charities.": "供乡镇(街道)社工、各级民政部门和慈善组织使用。",
    "For the privacy of the people in the records, you are logged out after %(minutes)s minutes without activity.": "为保护服务对象的个人信息,连续 %(minutes)s 分钟未操作将自动退出登录。",
}


def main() -> int:
    po = polib.pofile(str(PO))
    po.metadata.update(
        {
            "Language": "zh_Hans",
            "Content-Type": "text/plain; charset=UTF-8",
            "Plural-Forms": "nplurals=1; plural=0;",
        }
    )
    for entry in po:
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = ""
            entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
        value = TRANSLATIONS.get(entry.msgid)
        if value is None:
            continue
        if entry.msgid_plural:
            forms = value if isinstance(value, list) else [value]
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = value if isinstance(value, str) else value[0]
    po.save()
    missing = [e.msgid for e in po.untranslated_entries()]
    for msgid in missing:
        print(f"missing: {msgid!r}")
    print(f"{PO.name}: {po.percent_translated()}% translated, {len(missing)} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
